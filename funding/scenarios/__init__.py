"""Scenarios for the Schools Forum (R26): a named copy of a year's scheme, run on the live
data without touching anything live, compared with the live scheme, made cost neutral."""
