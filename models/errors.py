"""Errors of the model store; every one carries a message that says what went wrong and what to do."""


class ModelError(Exception):
    """A model could not be listed, downloaded or installed; the message says what to do."""


class ManifestError(ModelError):
    """The manifest is malformed; the message lists every problem with its key path."""


class UnknownModelError(ModelError):
    """The name is not in the manifest."""


class AlreadyInstalledError(ModelError):
    """The model's folder already exists."""


class DownloadError(ModelError):
    """A file could not be fetched (no connection, an HTTP error, too slow)."""


class ConnectionBrokenError(DownloadError):
    """The server closed the connection before sending the whole file."""


class StalledError(DownloadError):
    """The server sent too little for too long (a dead or deliberately slow connection)."""


class SizeMismatchError(DownloadError):
    """The file is not the size the manifest says."""


class ChecksumError(DownloadError):
    """The file's sha256 is not the one in the manifest."""


class DownloadInterrupted(ModelError):
    """A stop signal (SIGTERM) arrived during the download; nothing was installed."""


class ArchiveError(ModelError):
    """The archive is not a readable zip, or does not hold the files the model needs."""


class HostileArchiveError(ArchiveError):
    """The archive has entries that would land outside the install folder (absolute, "..", symlinks)."""
