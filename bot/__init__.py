"""podquote: exact quotes from podcast and talk transcripts, for a Discord community."""

__version__ = "0.1.0"
