"""The native half of the package (Rust, PyO3). Use `maestro.open` instead."""

from typing import Any, Dict, List, Optional, final

__all__ = [
    "__version__",
    "Native",
    "NativeSubscription",
    "operations",
    "cli_main",
    "MaestroError",
    "ValidationError",
    "NotFoundError",
    "ConflictError",
    "BusyError",
    "StorageError",
    "GitError",
    "IoError",
    "InternalError",
    "PrunedError",
]

__version__: str

@final
class Native:
    """An open store; thread-safe; raises MaestroError after os.fork() in the child."""

    def __new__(cls, path: str, options: Optional[Dict[str, Any]] = None) -> "Native": ...
    def call(self, op: str, args: Any, raw_payloads: bool = False) -> Any: ...
    def subscribe(self, filter: Optional[Any] = None) -> "NativeSubscription": ...
    def close(self) -> None: ...
    @property
    def closed(self) -> bool: ...

@final
class NativeSubscription:
    """Events committed through one handle, pulled with a timeout."""

    def next(self, timeout: Optional[float] = None) -> Optional[Dict[str, Any]]: ...
    def close(self) -> None: ...

def operations() -> List[str]: ...
def cli_main(argv: List[str]) -> int: ...

class MaestroError(Exception):
    kind: Optional[str]
    path: Optional[str]
    entity: Optional[str]
    id: Optional[str]
    from_state: Optional[str]
    to_state: Optional[str]
    oldest_seq: Optional[int]

class ValidationError(MaestroError): ...
class NotFoundError(MaestroError): ...
class ConflictError(MaestroError): ...
class BusyError(MaestroError): ...
class StorageError(MaestroError): ...
class GitError(MaestroError): ...
class IoError(MaestroError): ...
class InternalError(MaestroError): ...
class PrunedError(MaestroError): ...
