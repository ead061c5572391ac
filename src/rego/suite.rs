//! `gator verify` suites: `fourc test suite.yaml`.
