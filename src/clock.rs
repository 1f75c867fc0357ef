//! Time as the store and the report write it.

/// UTC now as `2026-11-26T12:40:40Z` (sorts as text).
pub fn now_text() -> String {
    let fmt = time::macros::format_description!("[year]-[month]-[day]T[hour]:[minute]:[second]Z");
    time::OffsetDateTime::now_utc().format(&fmt).unwrap_or_default()
}
