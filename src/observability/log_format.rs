//! The format of log lines: env_logger's, with `request_id=…` added to every line written
//! while a request is handled, so `grep request_id=ID` finds everything about one request
//! (the access log line says it the same way).

use std::io::Write;

use env_logger::fmt::Formatter;

/// `[2026-11-24T09:30:00.123Z WARN  mathshub::error request_id=0193…] message`.
pub fn format(buf: &mut Formatter, record: &log::Record<'_>) -> std::io::Result<()> {
    let timestamp = buf.timestamp_millis();
    let level = record.level();
    let target = record.target();
    let message = record.args();
    match super::scope::request_id() {
        Some(id) => writeln!(
            buf,
            "[{timestamp} {level:<5} {target} request_id={id}] {message}"
        ),
        None => writeln!(buf, "[{timestamp} {level:<5} {target}] {message}"),
    }
}
