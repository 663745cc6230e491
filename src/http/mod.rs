//! What every handler shares: CSV downloads (`csv`), the middleware around requests (`middleware`), the extractors
//! of the caller's input (`extract`), the one path of every write (`write`), the error
//! responses the document declares (`problems`), and the parsing of path and query values
//! (`parse`).

pub mod csv;
pub mod extract;
pub mod middleware;
pub mod parse;
pub mod problems;
pub mod write;
