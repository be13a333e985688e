// The header compiles on its own as C++17.
#include "maestro.h"

int main() {
  maestro_status_t s = MAESTRO_OK;
  maestro_t *m = nullptr;
  maestro_close(m);
  return static_cast<int>(s);
}
