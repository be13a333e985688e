//! Shared fixtures for the benchmarks in this folder.
