//! What every handler shares: the middleware around requests (`middleware`), the extractors
//! of the caller's input (`extract`), the one path of every write (`write`) and of reading
//! one resource by its key (`read`), the error responses the document declares (`problems`),
//! the parsing of path and query values (`parse`), how request bodies are written and parsed
//! (`body`), and CSV downloads (`csv`).

pub mod body;
pub mod csv;
pub mod extract;
pub mod middleware;
pub mod parse;
pub mod problems;
pub mod read;
pub mod write;
