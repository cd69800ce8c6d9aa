"""Munui's pure core: rules with no Flask, no database and no clock.

Everything here takes plain values (and ``now`` where time matters) so it can be
unit-tested without an application. ``tests/domain/test_purity.py`` enforces it.
"""
