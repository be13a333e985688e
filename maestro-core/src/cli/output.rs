//! Where a command's answer goes: one JSON envelope (`schemas/cli/output.schema.json`)
//! with `--json`, otherwise tables (comfy-table) and text, coloured only when asked for
//! or on a terminal without `NO_COLOR`.

use super::args::Color as ColorChoice;
use comfy_table::{presets, Cell, Color, ContentArrangement, Table};
use serde::Serialize;
use std::io::{IsTerminal, Write};

/// The version of the JSON envelope; bumped only for an incompatible change.
pub(crate) const SCHEMA_VERSION: u32 = 1;

/// How a command prints.
pub(crate) struct Out {
    /// `--json`: one envelope (or, when following, one event per line).
    pub json: bool,
    colour: bool,
    /// The width tables fit in: `COLUMNS`, else the terminal's (comfy-table finds it).
    width: Option<u16>,
    /// The command's name in the envelope (`tasks list`).
    pub command: String,
}

/// A failed write to stdout: the reader went away (`maestro events | head`), which ends
/// the command quietly, or another error (a full disk), which is a failure.
#[derive(Debug)]
pub(crate) enum Closed {
    /// The reader went away.
    Pipe,
    /// Writing failed otherwise.
    Failed(std::io::Error),
}

fn written(r: std::io::Result<()>) -> Result<(), Closed> {
    r.map_err(|e| match e.kind() {
        std::io::ErrorKind::BrokenPipe => Closed::Pipe,
        _ => Closed::Failed(e),
    })
}

impl Out {
    /// The output settings of this run.
    pub(crate) fn new(json: bool, choice: ColorChoice, command: String) -> Self {
        let tty = std::io::stdout().is_terminal();
        let no_color = std::env::var_os("NO_COLOR").is_some_and(|v| !v.is_empty());
        let dumb = std::env::var("TERM").is_ok_and(|t| t == "dumb");
        let colour = !json
            && match choice {
                ColorChoice::Always => true,
                ColorChoice::Never => false,
                ColorChoice::Auto => tty && !no_color && !dumb,
            };
        let width = std::env::var("COLUMNS").ok().and_then(|c| c.trim().parse().ok());
        Out {
            json,
            colour,
            width,
            command,
        }
    }

    /// Prints the command's result: `data` in the envelope with `--json`, else what
    /// `human` renders.
    pub(crate) fn answer<T: Serialize + ?Sized>(
        &self,
        data: &T,
        human: impl FnOnce(&Self) -> String,
    ) -> Result<(), Closed> {
        if self.json {
            let envelope = serde_json::json!({
                "schema_version": SCHEMA_VERSION,
                "command": self.command,
                "data": data,
            });
            self.line(&envelope.to_string())
        } else {
            let text = human(self);
            self.write(&text)
        }
    }

    /// Writes `text` and a newline to stdout, flushed.
    pub(crate) fn line(&self, text: &str) -> Result<(), Closed> {
        let mut out = std::io::stdout().lock();
        written(writeln!(out, "{text}").and_then(|()| out.flush()))
    }

    /// Writes `text` as it is, without a newline (part of a longer line).
    pub(crate) fn part(&self, text: &str) -> Result<(), Closed> {
        written(std::io::stdout().lock().write_all(text.as_bytes()))
    }

    /// Writes `text` (ending it with a newline if it has none).
    fn write(&self, text: &str) -> Result<(), Closed> {
        self.line(text.strip_suffix('\n').unwrap_or(text))
    }

    /// A table with these column headers, fitted to the terminal's width.
    pub(crate) fn table(&self, headers: &[&str]) -> Table {
        let mut t = Table::new();
        t.load_preset(presets::NOTHING)
            .set_content_arrangement(ContentArrangement::Dynamic);
        if self.colour {
            t.enforce_styling();
        } else if self.width.is_some() || !std::io::stdout().is_terminal() {
            t.force_no_tty();
        }
        if let Some(w) = self.width {
            t.set_width(w);
        }
        t.set_header(
            headers
                .iter()
                .map(|h| {
                    let c = Cell::new(h.to_uppercase());
                    if self.colour {
                        c.add_attribute(comfy_table::Attribute::Bold)
                    } else {
                        c
                    }
                })
                .collect::<Vec<_>>(),
        );
        t
    }

    /// A cell showing a status, coloured by what it means.
    pub(crate) fn status(&self, status: &str) -> Cell {
        self.status_as(status, status)
    }

    /// A cell showing `text`, coloured as the status `meaning`.
    pub(crate) fn status_as(&self, meaning: &str, text: &str) -> Cell {
        let cell = Cell::new(text);
        if !self.colour {
            return cell;
        }
        match meaning {
            "failed" | "rejected" | "reverted" | "invalid" => cell.fg(Color::Red),
            "blocked" | "paused" | "stale" | "pending" | "needs_input" | "partial" => cell.fg(Color::Yellow),
            "active" | "working" | "in_progress" | "approved" | "successful" | "ok" => cell.fg(Color::Green),
            "completed" => cell.fg(Color::Blue),
            _ => cell,
        }
    }

    /// `text` as a section heading.
    pub(crate) fn heading(&self, text: &str) -> String {
        self.styled(text, anstyle::Style::new().bold())
    }

    /// `text` dimmed (ids, times).
    pub(crate) fn dim(&self, text: &str) -> String {
        self.styled(text, anstyle::Style::new().dimmed())
    }

    /// `text` as a warning.
    pub(crate) fn warn(&self, text: &str) -> String {
        self.styled(text, anstyle::AnsiColor::Yellow.on_default().bold())
    }

    fn styled(&self, text: &str, style: anstyle::Style) -> String {
        if self.colour {
            format!("{}{text}{}", style.render(), style.render_reset())
        } else {
            text.to_owned()
        }
    }
}

/// A table rendered as text, or `(none)` when it has no rows.
pub(crate) fn rendered(table: Table) -> String {
    if table.row_count() == 0 {
        return "(none)".to_owned();
    }
    let mut table = table;
    // Ids stay whole (they are copied into the next command), statuses too; prose wraps.
    let ids: Vec<bool> = table
        .header()
        .map(|h| h.cell_iter().map(|c| is_id_column(&c.content())).collect())
        .unwrap_or_default();
    for (i, column) in table.column_iter_mut().enumerate() {
        column.set_padding((0, 2));
        if ids.get(i).copied().unwrap_or(false) {
            column.set_constraint(comfy_table::ColumnConstraint::ContentWidth);
        }
    }
    table.trim_fmt()
}

/// Whether a column of this header holds ids or single words, never wrapped.
fn is_id_column(header: &str) -> bool {
    matches!(
        header,
        "ID" | "WORKFLOW" | "SESSION" | "TASK" | "CHECKPOINT" | "PARENT" | "PROJECT" | "STATUS" | "OUTCOME"
    )
}

/// `key: value` lines, keys aligned.
pub(crate) fn fields(out: &Out, rows: &[(&str, String)]) -> String {
    let wide = rows.iter().map(|(k, _)| k.len()).max().unwrap_or(0);
    rows.iter()
        .map(|(k, v)| format!("{}  {v}", out.dim(&format!("{k:<wide$}"))))
        .collect::<Vec<_>>()
        .join("\n")
}

/// How long ago `at` was, in the largest whole unit (`42s`, `5m`, `3h`, `2d`).
pub(crate) fn age(at: crate::Timestamp) -> String {
    let s = ((crate::time::now_ms() - at.millis()) / 1000).max(0);
    match s {
        0..=59 => format!("{s}s ago"),
        60..=3599 => format!("{}m ago", s / 60),
        3600..=86_399 => format!("{}h ago", s / 3600),
        _ => format!("{}d ago", s / 86_400),
    }
}

/// `text` cut to `max` characters, with an ellipsis when cut.
pub(crate) fn short(text: &str, max: usize) -> String {
    let line = text.lines().next().unwrap_or_default();
    if line.chars().count() <= max && line.len() == text.len() {
        return line.to_owned();
    }
    let mut s: String = line.chars().take(max.saturating_sub(1)).collect();
    s.push('…');
    s
}

/// `Some(v)` as its text, `None` as `-`.
pub(crate) fn or_dash(v: Option<impl std::fmt::Display>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "-".to_owned())
}
