"""The exit statuses of `tolk` (which error gives which is decided in `tolk.cli`)."""

EXIT_OK = 0  # every article done
EXIT_SOME_FAILED = 1  # some articles failed, or the run stopped midway; the rest is written
EXIT_USAGE = 2  # bad usage, no usable model, or an output folder that cannot be used
