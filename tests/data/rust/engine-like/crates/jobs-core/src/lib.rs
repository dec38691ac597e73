//! Domain types of a small job queue (a test fixture shaped like an event-sourced engine).

pub mod ids;
pub mod job;
pub mod state;

#[cfg(test)]
mod tests {
    // A type of the same name under cfg(test) is not part of any build that serializes.
    pub struct JobSpec;
}
