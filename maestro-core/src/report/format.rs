//! Small formatting helpers shared by the reports.

use crate::time::Timestamp;

/// `2026-11-22T10:00:00.000Z`.
pub(crate) fn ts(t: Timestamp) -> String {
    t.to_rfc3339()
}

/// A duration in milliseconds as `1h 02m 03s`, `2m 05s` or `1.250s`.
pub(crate) fn duration(ms: i64) -> String {
    let ms = ms.max(0);
    let s = ms / 1000;
    match s {
        0..=59 => format!("{}.{:03}s", s, ms % 1000),
        60..=3599 => format!("{}m {:02}s", s / 60, s % 60),
        _ => format!("{}h {:02}m {:02}s", s / 3600, (s / 60) % 60, s % 60),
    }
}

/// Text on one line, with markdown table and list syntax neutralised.
pub(crate) fn inline(s: &str) -> String {
    let one: String = s
        .chars()
        .map(|c| if c == '\n' || c == '\r' || c == '\t' { ' ' } else { c })
        .collect();
    one.replace('|', "\\|")
}

/// Text shortened to `max` characters on one line.
pub(crate) fn short(s: &str, max: usize) -> String {
    let one = inline(s);
    if one.chars().count() <= max {
        return one;
    }
    let mut out: String = one.chars().take(max.saturating_sub(1)).collect();
    out.push('…');
    out
}

/// A label safe inside a Mermaid gantt line (no `:`, `#` or `;`).
pub(crate) fn mermaid_label(s: &str) -> String {
    short(s, 60)
        .chars()
        .map(|c| {
            if matches!(c, ':' | '#' | ';' | '\\' | '|') {
                ' '
            } else {
                c
            }
        })
        .collect::<String>()
        .trim()
        .to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn durations_read_naturally() {
        assert_eq!(duration(1_250), "1.250s");
        assert_eq!(duration(125_000), "2m 05s");
        assert_eq!(duration(3_723_000), "1h 02m 03s");
        assert_eq!(mermaid_label("a: b # c"), "a  b   c");
        assert_eq!(short("abcdef", 4), "abc…");
    }
}
