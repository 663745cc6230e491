//! Data the service can load: England's local authorities (reference data), the demo data
//! from the source documents with an offer laid out from today, and synthetic data at
//! national scale for benchmarks.

pub mod demo;
pub mod demo_accounts;
pub mod demo_calendar;
mod demo_facts;
pub mod demo_offer;
pub mod reference;
pub mod synthetic;
