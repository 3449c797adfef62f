"""Views: an output folder's tables in, the pages, feeds, exports and frames readers use out."""
