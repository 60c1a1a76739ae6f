"""Gawah: preserve, extract, register, trace, count and protect the record of human-rights violations."""

__version__ = "0.1.0"
