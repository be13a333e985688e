//! `maestro events`: the change feed after a seq and, with `--follow`, every event
//! committed from then on by any process or host, until SIGINT or SIGTERM.

use super::args::EventsArgs;
use super::output::{short, Out};
use super::{parse, Exit, Failure, Run};
use crate::feed::{EventFilter, RawEvent};
use crate::Maestro;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;
use std::time::Duration;

/// How often a follower looks for new events: well inside the second it promises.
const POLL: Duration = Duration::from_millis(100);

/// Events read per call.
const PAGE: usize = 1000;

/// One event as a line: seq, time, type, entity and a hint of what changed.
fn line(out: &Out, e: &RawEvent) -> String {
    let hint = serde_json::from_str::<serde_json::Value>(e.payload.get())
        .ok()
        .and_then(|p| {
            ["status", "phase", "message", "title", "name", "decision"]
                .iter()
                .find_map(|k| {
                    p.get(*k)
                        .and_then(|v| v.as_str())
                        .map(|v| format!("{k}={}", short(v, 40)))
                })
        })
        .unwrap_or_default();
    format!(
        "{:>8}  {}  {:<28} {} {hint}",
        e.seq,
        out.dim(&e.at.to_rfc3339()),
        e.kind,
        e.entity_id
    )
    .trim_end()
    .to_owned()
}

fn filter(m: &Maestro, a: &EventsArgs) -> Result<EventFilter, Failure> {
    Ok(EventFilter {
        entities: a
            .entities
            .iter()
            .map(|k| parse("--entity", k))
            .collect::<Result<_, _>>()?,
        types: a.types.clone(),
        project_id: a
            .project
            .as_deref()
            .map(|p| super::project(m, p).map(|p| p.id.to_string()))
            .transpose()?,
        workflow_id: a.workflow.clone(),
        entity_id: a.entity_id.clone(),
        session_id: a.session.clone(),
    })
}

/// Hands `each` the events after `after` (at most `budget`), page by page; returns the
/// last seq read and how many there were.
fn drain(
    m: &Maestro,
    f: &EventFilter,
    mut after: i64,
    budget: usize,
    each: &mut dyn FnMut(&RawEvent) -> Result<(), Failure>,
) -> Result<(i64, usize), Failure> {
    let mut seen = 0;
    while seen < budget {
        let want = PAGE.min(budget - seen);
        let page = m.events().since_raw(after, f, want)?;
        for e in &page {
            each(e)?;
            after = e.seq;
        }
        seen += page.len();
        if page.len() < want {
            break;
        }
    }
    Ok((after, seen))
}

fn json(e: &RawEvent) -> Result<String, Failure> {
    Ok(serde_json::to_string(e).map_err(|e| crate::Error::Internal(e.to_string()))?)
}

/// One event as printed while following: a line of text, or of JSON.
fn print(out: &Out, e: &RawEvent) -> Result<(), Failure> {
    if out.json {
        out.line(&json(e)?)?;
    } else {
        out.line(&line(out, e))?;
    }
    Ok(())
}

/// `maestro events`.
pub(crate) fn events(run: &mut Run, a: EventsArgs) -> Result<Exit, Failure> {
    let m = run.open_read()?;
    let f = filter(&m, &a)?;
    let budget = a.limit.unwrap_or(usize::MAX);
    if !a.follow {
        let after = match a.since {
            Some(s) => s,
            None => m.events().horizon()?,
        };
        let out = &run.out;
        // Below the horizon is an error: found before anything is printed.
        m.events().since_raw(after, &f, 0)?;
        // Streamed page by page, so a million events never sit in memory; as JSON, the
        // one envelope is written around them as they come.
        if out.json {
            out.part(&format!(
                "{{\"schema_version\":{},\"command\":\"events\",\"data\":[",
                super::output::SCHEMA_VERSION
            ))?;
            let mut first = true;
            drain(&m, &f, after, budget, &mut |e| {
                let sep = if std::mem::take(&mut first) { "" } else { "," };
                Ok(out.part(&format!("{sep}{}", json(e)?))?)
            })?;
            out.line("]}")?;
        } else {
            let (_, n) = drain(&m, &f, after, budget, &mut |e| print(out, e))?;
            if n == 0 {
                out.line("(no events)")?;
            }
        }
        return Ok(Exit::Ok);
    }

    let stop = Arc::new(AtomicBool::new(false));
    let mut registered = Vec::new();
    for signal in [signal_hook::consts::SIGINT, signal_hook::consts::SIGTERM] {
        let failed = |e: std::io::Error| crate::Error::Internal(format!("cannot handle signal {signal}: {e}"));
        // The first signal stops the follower cleanly; a second one while it finishes
        // what it is printing ends the process at once (128 + the signal).
        registered.push(
            signal_hook::flag::register_conditional_shutdown(signal, 128 + signal, stop.clone()).map_err(failed)?,
        );
        registered.push(signal_hook::flag::register(signal, stop.clone()).map_err(failed)?);
    }
    let result = follow(&m, &run.out, &f, a.since, &stop);
    for id in registered {
        signal_hook::low_level::unregister(id);
    }
    result
}

fn follow(m: &Maestro, out: &Out, f: &EventFilter, since: Option<i64>, stop: &AtomicBool) -> Result<Exit, Failure> {
    let mut after = match since {
        Some(s) => s,
        None => m.events().latest_seq()?,
    };
    // Checked before every event too, so a long backlog stops at once.
    let mut each = |e: &RawEvent| {
        if stop.load(Ordering::Relaxed) {
            return Err(Failure::Closed);
        }
        print(out, e)
    };
    let (last, _) = drain(m, f, after, usize::MAX, &mut each)?;
    after = last;
    while !stop.load(Ordering::Relaxed) {
        std::thread::sleep(POLL);
        // Every event up to the head read first is visible to the read after it (commits
        // publish seqs in order), so a filter that matches nothing still moves on.
        let head = m.events().latest_seq()?;
        let (last, _) = drain(m, f, after, usize::MAX, &mut each)?;
        after = last.max(head);
    }
    Ok(Exit::Ok)
}
