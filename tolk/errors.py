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
    "The output folder cannot be written or read."

    transient = False  # True for an I/O error that may pass if tried again


class ConvertRefused(TolkError):
    "A conversion would replace a folder that is not an earlier conversion."


class StoreLocked(TolkError):
    "Another run holds the output folder for longer than this run may wait."


class StoreTooNew(TolkError):
    "The output folder was written by a newer tolk than this one."


class DuplicateArticleId(TolkError):
    "Two sources of one run would give articles the same id."


class UnknownSource(TolkError):
    "A source is neither a folder, an article file, a table nor an http(s) feed URL."


class BadTable(TolkError):
    "A table file, or one of its rows, cannot be read as articles."


class FetchError(TolkError):
    "A URL could not be fetched, or what came back cannot be used."


class FeedError(TolkError):
    "A feed was fetched but cannot be read as RSS or Atom."


class EmptyPage(TolkError):
    "A web page holds no article text that tolk can find."


class ExportRefused(TolkError):
    "An export target is not a regular file that tolk may replace."


class BadGlossary(TolkError):
    "A glossary file cannot be read as one."


class LeftOut(TolkError):
    "An item left out on purpose, not translated: a wall, another language, a refused URL."


class WalledPage(LeftOut):
    "A page shows a consent, login or subscription wall instead of its article."


class ConsentRedirect(WalledPage, FetchError):
    "A request was sent to a consent host: stopped there, before any connection to it."


class NotDutch(LeftOut):
    "An item's text is in another language than Dutch."


class RefusedUrl(LeftOut, FetchError):
    "A URL a feed names is not one tolk may fetch (a scheme or an address on your network)."


class CommandRefused(TolkError):
    "A command cannot do what it was asked; the message says why and what to do instead."


class RunStopped(TolkError):
    "A run stopped on an error that is not tolk's own (a bug, or the machine): its work failed."
