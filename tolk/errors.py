"""The errors tolk raises: one small class per failure, each message saying what to do next."""


class TolkError(Exception):
    "Base class for every error tolk raises on purpose."


class UnreadableArticle(TolkError):
    "An article file cannot be read as Dutch text."


class ModelNotFound(TolkError):
    "No usable translation model was found where tolk looked."


class ModelLoadError(TolkError):
    "A model was found but loading it failed or gave a broken model."


class StaleModel(TolkError):
    "A converted model no longer matches the model it was converted from."


class OutputError(TolkError):
    "An output file exists but cannot be read or merged."
