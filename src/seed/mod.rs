//! Data the service can load: England's local authorities (reference data), the demo data
//! from the source documents, and synthetic data at national scale for benchmarks.

pub mod demo;
pub mod demo_accounts;
pub mod demo_cohort;
pub mod reference;
pub mod synthetic;
