//! Mermaid text: the system as a `flowchart LR` (services as subgraphs of
//! their methods, events as flags, projections as hexagons), a state
//! machine as a `stateDiagram-v2`. Node ids are prefixed by what they are
//! (`m_`, `e_`, `p_`, `s_`, `st_`), so no schema name meets a Mermaid
//! keyword; names are PascalCase, so they need no escaping.

use std::fmt::Write;

use super::{Machine, System};

/// The system graph.
pub fn system(system: &System) -> String {
    let mut out = String::from("flowchart LR\n");
    for service in &system.services {
        let _ = writeln!(out, "  subgraph s_{0}[\"{0}\"]", service.name);
        for (method, _) in &service.methods {
            let _ = writeln!(out, "    m_{0}_{1}[\"{1}\"]", service.name, method);
        }
        out.push_str("  end\n");
    }
    for event in &system.events {
        let _ = writeln!(out, "  e_{0}>\"{0}\"]", event);
    }
    for projection in &system.projections {
        let _ = writeln!(out, "  p_{0}{{{{\"{0}\"}}}}", projection.name);
    }
    for service in &system.services {
        for (method, emits) in &service.methods {
            for event in emits {
                let _ = writeln!(out, "  m_{}_{} --> e_{}", service.name, method, event);
            }
        }
    }
    for projection in &system.projections {
        let _ = writeln!(
            out,
            "  e_{} -- creates --> p_{}",
            projection.create_on, projection.name
        );
        for event in &projection.transitions {
            let _ = writeln!(out, "  e_{} --> p_{}", event, projection.name);
        }
    }
    for service in &system.services {
        for projection in &service.keeps {
            let _ = writeln!(out, "  s_{} -. keeps .-> p_{}", service.name, projection);
        }
    }
    out
}

/// A projection's state machine.
pub fn machine(machine: &Machine) -> String {
    let mut out = String::from("stateDiagram-v2\n");
    for state in &machine.states {
        let _ = writeln!(out, "  state \"{0}\" as st_{0}", state);
    }
    if let Some(initial) = machine.states.first() {
        let _ = writeln!(out, "  [*] --> st_{}: {}", initial, machine.create_on);
    }
    for (from, to, events) in &machine.edges {
        let _ = writeln!(out, "  st_{} --> st_{}: {}", from, to, events.join(", "));
    }
    out
}
