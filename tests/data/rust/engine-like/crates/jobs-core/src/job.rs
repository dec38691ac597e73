use crate::ids::JobId;

/// Scheduling urgency; `Normal` when a stored document has none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Priority {
    Low,
    #[default]
    Normal,
    High,
}

/// How often a job runs.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub enum Schedule {
    Once,
    Every(Interval),
    #[cfg(feature = "workflow")]
    Calendar(String),
}

/// A fixed interval; validated on construction, so serde goes through the impls below.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Interval {
    seconds: u32,
    repeat: u8,
}

#[cfg(feature = "serde")]
impl serde::Serialize for Interval {
    fn serialize<S>(&self, serializer: S) -> Result<S::Ok, S::Error>
    where
        S: serde::Serializer,
    {
        use serde::ser::SerializeStruct;
        let mut out = serializer.serialize_struct("Interval", 2)?;
        out.serialize_field("seconds", &self.seconds)?;
        out.serialize_field("repeat", &self.repeat)?;
        out.end()
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Interval {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct IntervalWire {
            seconds: u32,
            repeat: u8,
        }
        let wire = IntervalWire::deserialize(deserializer)?;
        Ok(Interval { seconds: wire.seconds, repeat: wire.repeat })
    }
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for Schedule {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        enum ScheduleWire {
            Once,
            Every { seconds: u32, repeat: u8 },
            #[cfg(feature = "workflow")]
            Calendar(String),
        }
        let _ = ScheduleWire::deserialize(deserializer)?;
        unimplemented!()
    }
}

/// Why a job was cancelled.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
#[cfg_attr(feature = "serde", serde(rename_all = "snake_case"))]
pub enum CancelReason {
    ByUser,
    Superseded,
    DeadlinePassed,
}

type Labels = Vec<String>;

/// What a client submitted.
#[derive(Debug, Clone, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize))]
pub struct JobSpec {
    id: JobId,
    #[cfg_attr(feature = "serde", serde(with = "serde_bytes"))]
    body: Vec<u8>,
    schedule: Schedule,
    labels: Labels,
    #[cfg_attr(feature = "serde", serde(rename = "prio"))]
    priority: Priority,
    deadline: Option<u64>,
    parent: Option<Box<JobId>>,
}

#[cfg(feature = "serde")]
impl<'de> serde::Deserialize<'de> for JobSpec {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        #[derive(serde::Deserialize)]
        struct JobSpecWire {
            id: JobId,
            #[serde(with = "serde_bytes")]
            body: Vec<u8>,
            schedule: Schedule,
            labels: Vec<String>,
            #[serde(rename = "prio", default)]
            priority: Priority,
            #[serde(default)]
            deadline: Option<u64>,
            #[serde(default)]
            parent: Option<Box<JobId>>,
        }
        let _ = JobSpecWire::deserialize(deserializer)?;
        unimplemented!()
    }
}
