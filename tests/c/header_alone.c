/* The header compiles on its own as C11 (-pedantic -Werror). */
#include "maestro.h"

int main(void) {
  maestro_status_t s = MAESTRO_OK;
  maestro_t *m = NULL;
  maestro_close(m);
  return (int)s + (MAESTRO_ABI_VERSION - MAESTRO_ABI_VERSION);
}
