//! Graphviz DOT text: the system as a left-to-right digraph (services as
//! clusters of their methods, events as `cds` shapes, projections as
//! hexagons; `keeps` edges leave the service's cluster, hence
//! `compound=true`), a state machine as a digraph with a start point.
//! Every id is quoted, so no schema name meets a DOT keyword.

use std::fmt::Write;

use super::{Machine, System};

/// The system graph.
pub fn system(system: &System) -> String {
    let mut out = String::from(
        "digraph system {\n  rankdir=LR;\n  compound=true;\n  graph [fontname=\"Helvetica\"];\n  node [fontname=\"Helvetica\"];\n  edge [fontname=\"Helvetica\", fontsize=10];\n",
    );
    for service in &system.services {
        let _ = writeln!(out, "  subgraph \"cluster_{0}\" {{", service.name);
        let _ = writeln!(out, "    label=\"{}\";\n    style=rounded;", service.name);
        for (method, _) in &service.methods {
            let _ = writeln!(
                out,
                "    \"m_{0}_{1}\" [label=\"{1}\", shape=box, style=rounded];",
                service.name, method
            );
        }
        out.push_str("  }\n");
    }
    for event in &system.events {
        let _ = writeln!(out, "  \"e_{0}\" [label=\"{0}\", shape=cds];", event);
    }
    for projection in &system.projections {
        let _ = writeln!(
            out,
            "  \"p_{0}\" [label=\"{0}\", shape=hexagon];",
            projection.name
        );
    }
    for service in &system.services {
        for (method, emits) in &service.methods {
            for event in emits {
                let _ = writeln!(
                    out,
                    "  \"m_{}_{}\" -> \"e_{}\";",
                    service.name, method, event
                );
            }
        }
    }
    for projection in &system.projections {
        let _ = writeln!(
            out,
            "  \"e_{}\" -> \"p_{}\" [label=\"creates\"];",
            projection.create_on, projection.name
        );
        for event in &projection.transitions {
            let _ = writeln!(out, "  \"e_{}\" -> \"p_{}\";", event, projection.name);
        }
    }
    for service in &system.services {
        // An edge leaves a cluster from one of its nodes, clipped at the
        // cluster's border (`ltail`).
        let Some((first, _)) = service.methods.first() else {
            continue;
        };
        for projection in &service.keeps {
            let _ = writeln!(
                out,
                "  \"m_{0}_{1}\" -> \"p_{2}\" [ltail=\"cluster_{0}\", style=dashed, label=\"keeps\"];",
                service.name, first, projection
            );
        }
    }
    out.push_str("}\n");
    out
}

/// A projection's state machine.
pub fn machine(machine: &Machine) -> String {
    let mut out = format!(
        "digraph \"{}\" {{\n  rankdir=LR;\n  node [fontname=\"Helvetica\", shape=box, style=rounded];\n  edge [fontname=\"Helvetica\", fontsize=10];\n  \"start\" [shape=point, label=\"\"];\n",
        machine.name
    );
    for state in &machine.states {
        let _ = writeln!(out, "  \"st_{0}\" [label=\"{0}\"];", state);
    }
    if let Some(initial) = machine.states.first() {
        let _ = writeln!(
            out,
            "  \"start\" -> \"st_{}\" [label=\"{}\"];",
            initial, machine.create_on
        );
    }
    for (from, to, events) in &machine.edges {
        let _ = writeln!(
            out,
            "  \"st_{}\" -> \"st_{}\" [label=\"{}\"];",
            from,
            to,
            events.join("\\n")
        );
    }
    out.push_str("}\n");
    out
}
