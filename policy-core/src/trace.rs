//! Recording what a rule's conditions saw, for `fourc explain`.
//!
//! A [`Machine`](crate::eval::Machine) built with [`Machine::traced`](crate::eval::Machine::traced)
//! appends an [`Event`] for each statement it runs: the `where` filter, `let`, `when`, `each` and
//! `deny`. A condition's event carries its result and the values its top-level operands had
//! (both sides of a comparison, the argument of `exists`, the parts of an `and`), so a reader can
//! see *why* a rule fired or stayed silent. Operands are evaluated a second time, only while
//! tracing; an untraced machine pays one `Option` check per statement.

use crate::ir::ExprId;
use crate::value::Value;

/// Everything a traced run recorded, in execution order.
#[derive(Clone, Debug, Default)]
pub struct Trace {
    /// The events.
    pub events: Vec<Event>,
}

/// One recorded step, at a nesting depth (0 for the rule body, +1 inside each `each`).
#[derive(Clone, Debug)]
pub struct Event {
    /// How deep in `each` loops the step ran.
    pub depth: u32,
    /// What happened.
    pub kind: EventKind,
}

/// What a recorded step was.
#[derive(Clone, Debug)]
#[non_exhaustive]
pub enum EventKind {
    /// The `where` filter of the `on` clause; false ends the rule for this document.
    Filter(Check),
    /// `let x = e`: the value bound.
    Let {
        /// The bound expression.
        expr: ExprId,
        /// Its value.
        value: Operand,
    },
    /// `when cond`: false ends the enclosing block.
    When(Check),
    /// `each x in xs`: how many elements the body runs for.
    Each {
        /// The collection expression.
        domain: ExprId,
        /// Its length.
        count: usize,
    },
    /// One run of an `each` body (events of the body follow at `depth + 1`).
    Item {
        /// The 0-based position of the element.
        index: usize,
        /// The element.
        value: Operand,
    },
    /// `deny cond`: when the condition held, `hit` is the position of the finding among the
    /// rule's findings on this document.
    Deny {
        /// The condition.
        check: Check,
        /// The finding it produced.
        hit: Option<usize>,
    },
    /// The rule stopped with an evaluation error.
    Fault {
        /// The expression that failed.
        at: ExprId,
        /// The message.
        message: String,
    },
}

/// A condition and what it saw.
#[derive(Clone, Debug)]
pub struct Check {
    /// The condition expression.
    pub cond: ExprId,
    /// Whether it held.
    pub result: bool,
    /// Its top-level operands and their values (literals are left out).
    pub operands: Vec<(ExprId, Operand)>,
}

/// The value an expression had while tracing.
#[derive(Clone, Debug, PartialEq)]
pub enum Operand {
    /// A missing value.
    Undefined,
    /// A value.
    Value(Value),
    /// Evaluating it failed (only possible for operands after a short-circuit).
    Error(String),
}
