"""Why a document cannot be ingested, in words a staff member can act on."""


class DocumentRejected(ValueError):
    """The file cannot become chunks (corrupted, encrypted, empty, image-only, wrong type...).

    Raised before anything is written, so the index keeps serving what it had.
    """

    def __init__(self, filename: str, reason: str) -> None:
        super().__init__(f"{filename}: {reason}")
        self.filename = filename
        self.reason = reason
