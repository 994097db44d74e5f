"""Rows as they stood at a moment ("as at"): moved to `schools.asat` (the school calendar reads
them too, and schools/ never imports funding/). Kept here so existing imports still work."""

from schools.asat import as_at, instance_of

__all__ = ["as_at", "instance_of"]
