//! What every handler shares: the middleware around requests (`middleware`), the extractors
//! of the caller's input (`extract`), the one path of every write (`write`), the error
//! responses the document declares (`problems`), the parsing of path and query values
//! (`parse`), and how request bodies are written and parsed (`body`).

pub mod body;
pub mod extract;
pub mod middleware;
pub mod parse;
pub mod problems;
pub mod write;
