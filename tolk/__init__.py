"""tolk: Dutch news articles in, bilingual English records out.

The library's entry points, for use without Prefect:

- `tolk.digest_folder(folder, output_dir, **settings)`: translate one folder of articles;
- `tolk.digest(sources, output_dir, settings)`: the same for any sources (`tolk.run.digest`);
- `tolk.digest_frame(frame, **settings)`: a pandas DataFrame of Dutch texts in, one back;
- `tolk.read_outputs(output_dir)`: an output folder's articles and sentences as DataFrames.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("tolk")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0.0.0+unknown"

__all__ = ["Settings", "__version__", "digest", "digest_folder", "digest_frame", "read_outputs"]


def __getattr__(name: str):
    # Imported on first use, so that `import tolk` stays light and does nothing.
    if name in ("digest", "digest_folder", "digest_frame"):
        from tolk import run

        return getattr(run, name)
    if name == "read_outputs":
        from tolk.views.frames import read_outputs

        return read_outputs
    if name == "Settings":
        from tolk.settings import Settings

        return Settings
    raise AttributeError(f"module 'tolk' has no attribute {name!r}")
