"""Tests of `trainright synth`; a package so its conftest does not shadow the root one."""
