//! Metrics as CloudWatch Embedded Metric Format (EMF): JSON lines that CloudWatch Logs turns into
//! metrics by itself, with no API call on the request path and no agent inside a Lambda.
//!
//! Where the lines go is `METRICS_EMF`:
//! - `stdout`: with the log lines. Under Lambda, CloudWatch Logs extracts every EMF line of the
//!   function's output. `auto` (the default) means `stdout` under the Lambda runtime and `off`
//!   elsewhere.
//! - `tcp://host:port`: to a CloudWatch agent's EMF listener (port 25888), for jobs on EKS such
//!   as the drift check and the notifier, whose output goes to container logs that are not parsed as EMF. Each line
//!   names the log group the agent writes it to (`METRICS_LOG_GROUP`). A background thread writes
//!   them; when the agent is unreachable the line is dropped (and a warning logged), never the job
//!   held up.
//! - `off`.
//!
//! Every line is in the namespace `METRICS_NAMESPACE` (`Whoosh/<environment>` on AWS) and carries
//! the `Service` of the process. What is emitted, each with its dimension sets:
//!
//! | metric | unit | dimensions | emitted |
//! |---|---|---|---|
//! | `Requests` | Count | Service; Service, Route | every HTTP request (by [`request`]) |
//! | `Latency` | Milliseconds | Service; Service, Route | every HTTP request |
//! | `ServerErrors` | Count | Service; Service, Route | every HTTP request (1 when 5xx) |
//! | `RateLimited` | Count | Service; Service, Route | every HTTP request (1 when 429) |
//! | `Errors` | Count | Service, Code | every error answer, by its stable code |
//! | `LeaderboardDrift` | Count | (none); Board | every drift check of a board |
//! | `NotificationBacklog` | Count | (none) | each minute, by each `whoosh notifier`: notifications due now |
//! | `NotificationOldestDueAge` | Seconds | (none) | with it: age of the oldest due notification |
//! | `NotificationsFailed` | Count | (none) | with it: notifications given up for good |
//! | `TelegramDeadLinks` | Count | (none) | with it: linked chats that refused messages |
//!
//! `Route` is the matched route template with its method (`POST /api/scores`), so the set of
//! values is bounded by the routes; `Code` by the error codes.

use serde_json::{Map, Value, json};
use std::{
    fmt::{self, Display},
    io::Write,
    net::TcpStream,
    str::FromStr,
    sync::{
        OnceLock,
        mpsc::{self, Receiver, SyncSender, TrySendError},
    },
    time::{Duration, SystemTime, UNIX_EPOCH},
};

/// Where EMF lines are written (`METRICS_EMF`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Sink {
    /// `stdout` under the Lambda runtime, else off.
    Auto,
    Off,
    Stdout,
    /// A CloudWatch agent's EMF listener, `host:port`.
    Agent(String),
}

impl FromStr for Sink {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "auto" => Ok(Self::Auto),
            "off" => Ok(Self::Off),
            "stdout" => Ok(Self::Stdout),
            _ => match s.strip_prefix("tcp://") {
                Some(addr)
                    if addr.rsplit_once(':').is_some_and(|(h, p)| {
                        !h.is_empty() && p.parse::<u16>().is_ok_and(|p| p > 0)
                    }) =>
                {
                    Ok(Self::Agent(addr.to_owned()))
                }
                _ => Err("expected `auto`, `off`, `stdout` or `tcp://host:port`".into()),
            },
        }
    }
}

/// The metrics settings of a process.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsConfig {
    pub sink: Sink,
    /// The CloudWatch namespace of every metric (`METRICS_NAMESPACE`).
    pub namespace: String,
    /// The log group an agent writes the lines to (`METRICS_LOG_GROUP`; agent sink only — under
    /// Lambda the lines stay in the function's log group).
    pub log_group: Option<String>,
}

impl Default for MetricsConfig {
    fn default() -> Self {
        Self {
            sink: Sink::Auto,
            namespace: "Whoosh/local".to_owned(),
            log_group: None,
        }
    }
}

/// CloudWatch units used here.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Milliseconds,
    Seconds,
}

impl Unit {
    fn as_str(self) -> &'static str {
        match self {
            Self::Count => "Count",
            Self::Milliseconds => "Milliseconds",
            Self::Seconds => "Seconds",
        }
    }
}

/// One EMF line: properties (dimension values among them), dimension sets and metric values.
#[derive(Debug, Clone, Default)]
pub struct Record {
    dimension_sets: Vec<Vec<&'static str>>,
    properties: Map<String, Value>,
    metrics: Vec<(&'static str, Unit)>,
}

impl Record {
    pub fn new() -> Self {
        Self::default()
    }

    /// Adds a dimension set: each name must also be set with [`Record::dimension`]. An empty set
    /// makes the metrics also exist without any dimension.
    pub fn dimension_set(mut self, names: &[&'static str]) -> Self {
        self.dimension_sets.push(names.to_vec());
        self
    }

    /// Sets a dimension's value (a string, as EMF requires).
    pub fn dimension(mut self, name: &'static str, value: impl Into<String>) -> Self {
        self.properties
            .insert(name.to_owned(), Value::String(value.into()));
        self
    }

    /// Sets a metric's value.
    pub fn metric(mut self, name: &'static str, unit: Unit, value: f64) -> Self {
        self.metrics.push((name, unit));
        self.properties.insert(name.to_owned(), json!(value));
        self
    }

    /// Sets a property that is logged with the metrics but is not a dimension.
    pub fn property(mut self, name: &'static str, value: impl Into<Value>) -> Self {
        self.properties.insert(name.to_owned(), value.into());
        self
    }

    /// The line, in `namespace`, stamped `timestamp_ms` (milliseconds since the epoch), naming
    /// `log_group` for an agent when given.
    pub fn to_line(&self, namespace: &str, log_group: Option<&str>, timestamp_ms: u64) -> String {
        let mut root = self.properties.clone();
        let metrics: Vec<Value> = self
            .metrics
            .iter()
            .map(|(name, unit)| json!({ "Name": name, "Unit": unit.as_str() }))
            .collect();
        let mut aws = json!({
            "Timestamp": timestamp_ms,
            "CloudWatchMetrics": [{
                "Namespace": namespace,
                "Dimensions": self.dimension_sets,
                "Metrics": metrics,
            }],
        });
        if let Some(group) = log_group {
            aws["LogGroupName"] = Value::String(group.to_owned());
        }
        root.insert("_aws".to_owned(), aws);
        Value::Object(root).to_string()
    }

    /// Writes the record where this process's metrics go (nowhere before [`init`] or when off).
    pub fn emit(self) {
        if let Some(emitter) = EMITTER.get() {
            emitter.emit(self);
        }
    }
}

/// Emits the metrics of one HTTP request: `route` is the matched route template (or
/// `unmatched`), `code` the stable error code of an error answer.
pub fn request(method: &str, route: &str, status: u16, code: Option<&str>, latency_ms: f64) {
    let Some(emitter) = EMITTER.get() else {
        return;
    };
    if emitter.output.is_none() {
        return;
    }
    emitter.emit(
        Record::new()
            .dimension_set(&["Service"])
            .dimension_set(&["Service", "Route"])
            .dimension("Route", format!("{method} {route}"))
            .metric("Requests", Unit::Count, 1.0)
            .metric("Latency", Unit::Milliseconds, latency_ms)
            .metric(
                "ServerErrors",
                Unit::Count,
                f64::from(u8::from(status >= 500)),
            )
            .metric(
                "RateLimited",
                Unit::Count,
                f64::from(u8::from(status == 429)),
            )
            .property("status", status),
    );
    if let Some(code) = code {
        emitter.emit(
            Record::new()
                .dimension_set(&["Service", "Code"])
                .dimension("Code", code)
                .metric("Errors", Unit::Count, 1.0),
        );
    }
}

/// Emits the positions of `board` that differed between the Redis index and PostgreSQL in one
/// drift check.
pub fn leaderboard_drift(board: &str, drift: usize) {
    Record::new()
        .dimension_set(&[])
        .dimension_set(&["Board"])
        .dimension("Board", board)
        .metric("LeaderboardDrift", Unit::Count, drift as f64)
        .emit();
}

/// Emits the notifier's backlog: notifications due now, the age of the oldest of them (seconds),
/// those given up for good, and Telegram chats whose link died.
pub fn notifier_backlog(due: i64, oldest_due_secs: i64, failed: i64, dead_links: i64) {
    Record::new()
        .dimension_set(&[])
        .metric("NotificationBacklog", Unit::Count, due as f64)
        .metric(
            "NotificationOldestDueAge",
            Unit::Seconds,
            oldest_due_secs as f64,
        )
        .metric("NotificationsFailed", Unit::Count, failed as f64)
        .metric("TelegramDeadLinks", Unit::Count, dead_links as f64)
        .emit();
}

static EMITTER: OnceLock<Emitter> = OnceLock::new();

struct Emitter {
    namespace: String,
    log_group: Option<String>,
    service: &'static str,
    output: Option<Output>,
}

enum Output {
    Stdout,
    Agent(SyncSender<AgentMessage>),
}

enum AgentMessage {
    Line(String),
    Flush(mpsc::Sender<()>),
}

/// Lines waiting for the agent thread; beyond this, lines are dropped rather than held in memory.
const AGENT_QUEUE: usize = 4_096;

impl Emitter {
    fn emit(&self, record: Record) {
        let Some(output) = &self.output else {
            return;
        };
        let line = record.dimension("Service", self.service).to_line(
            &self.namespace,
            self.log_group.as_deref(),
            now_ms(),
        );
        match output {
            Output::Stdout => {
                let mut out = std::io::stdout().lock();
                let _ = writeln!(out, "{line}");
            }
            Output::Agent(tx) => {
                if let Err(TrySendError::Full(_)) = tx.try_send(AgentMessage::Line(line)) {
                    tracing::warn!("metrics line dropped: the agent queue is full");
                }
            }
        }
    }
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// Sets where this process's metrics go, naming it `service` in every line. Later calls (several
/// services in one test process) are no-ops.
pub fn init(config: &MetricsConfig, service: &'static str) {
    let sink = match &config.sink {
        Sink::Auto if std::env::var_os("AWS_LAMBDA_RUNTIME_API").is_some() => Sink::Stdout,
        Sink::Auto => Sink::Off,
        other => other.clone(),
    };
    let _ = EMITTER.get_or_init(|| Emitter {
        namespace: config.namespace.clone(),
        log_group: match sink {
            Sink::Agent(_) => config.log_group.clone(),
            _ => None,
        },
        service,
        output: match sink {
            Sink::Auto | Sink::Off => None,
            Sink::Stdout => Some(Output::Stdout),
            Sink::Agent(addr) => {
                let (tx, rx) = mpsc::sync_channel(AGENT_QUEUE);
                std::thread::Builder::new()
                    .name("emf-agent".into())
                    .spawn(move || write_to_agent(&addr, &rx))
                    .ok()
                    .map(|_| Output::Agent(tx))
            }
        },
    });
}

/// Waits (up to `timeout`) until every line emitted so far has been written; call before a job
/// exits. Returns at once when the lines go to stdout or nowhere.
pub fn flush(timeout: Duration) {
    if let Some(Emitter {
        output: Some(Output::Agent(tx)),
        ..
    }) = EMITTER.get()
    {
        let (done, wait) = mpsc::channel();
        if tx.send(AgentMessage::Flush(done)).is_ok() {
            let _ = wait.recv_timeout(timeout);
        }
    }
}

/// How long a connect or a write to the agent may take before the line is dropped.
const AGENT_TIMEOUT: Duration = Duration::from_secs(1);

fn write_to_agent(addr: &str, rx: &Receiver<AgentMessage>) {
    let mut conn: Option<TcpStream> = None;
    while let Ok(message) = rx.recv() {
        let line = match message {
            AgentMessage::Line(line) => line,
            AgentMessage::Flush(done) => {
                if let Some(c) = conn.as_mut() {
                    let _ = c.flush();
                }
                let _ = done.send(());
                continue;
            }
        };
        // One reconnect per line: a restarted agent costs at most the line in flight.
        let mut written = false;
        for _ in 0..2 {
            if conn.is_none() {
                conn = connect(addr);
            }
            let Some(c) = conn.as_mut() else { break };
            if c.write_all(line.as_bytes())
                .and_then(|()| c.write_all(b"\n"))
                .is_ok()
            {
                written = true;
                break;
            }
            conn = None;
        }
        if !written {
            tracing::warn!(
                agent = addr,
                "metrics line dropped: the agent is unreachable"
            );
        }
    }
}

fn connect(addr: &str) -> Option<TcpStream> {
    use std::net::ToSocketAddrs;
    let target = addr.to_socket_addrs().ok()?.next()?;
    let stream = TcpStream::connect_timeout(&target, AGENT_TIMEOUT).ok()?;
    stream.set_write_timeout(Some(AGENT_TIMEOUT)).ok()?;
    stream.set_nodelay(true).ok()?;
    Some(stream)
}

/// Why a line is not valid EMF.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invalid(pub String);

impl Display for Invalid {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// Checks `line` against the rules of the EMF specification that CloudWatch enforces: a JSON
/// object whose `_aws` holds an integer `Timestamp` and `CloudWatchMetrics` directives, each with
/// a `Namespace` (1–255 characters), `Dimensions` (sets of at most 30 names, each naming a
/// string member of the root) and 1–100 `Metrics` (a `Name` naming a numeric member of the root,
/// a known `Unit`). Returns the parsed line.
pub fn validate(line: &str) -> Result<Map<String, Value>, Invalid> {
    let bad = |m: &str| Invalid(m.to_owned());
    let root: Map<String, Value> =
        serde_json::from_str(line).map_err(|e| Invalid(format!("not a JSON object: {e}")))?;
    let aws = root
        .get("_aws")
        .and_then(Value::as_object)
        .ok_or_else(|| bad("no `_aws` object"))?;
    aws.get("Timestamp")
        .and_then(Value::as_u64)
        .ok_or_else(|| bad("`_aws.Timestamp` is not a non-negative integer"))?;
    let directives = aws
        .get("CloudWatchMetrics")
        .and_then(Value::as_array)
        .filter(|d| !d.is_empty())
        .ok_or_else(|| bad("`_aws.CloudWatchMetrics` is not a non-empty array"))?;
    for directive in directives {
        let namespace = directive
            .get("Namespace")
            .and_then(Value::as_str)
            .ok_or_else(|| bad("a directive has no `Namespace` string"))?;
        if namespace.is_empty() || namespace.len() > 255 {
            return Err(bad("`Namespace` must be 1–255 characters"));
        }
        let sets = directive
            .get("Dimensions")
            .and_then(Value::as_array)
            .ok_or_else(|| bad("a directive has no `Dimensions` array"))?;
        for set in sets {
            let names = set
                .as_array()
                .ok_or_else(|| bad("a dimension set is not an array"))?;
            if names.len() > 30 {
                return Err(bad("a dimension set has more than 30 names"));
            }
            for name in names {
                let name = name
                    .as_str()
                    .ok_or_else(|| bad("a dimension name is not a string"))?;
                if !root.get(name).is_some_and(Value::is_string) {
                    return Err(Invalid(format!(
                        "dimension `{name}` is not a string member of the root"
                    )));
                }
            }
        }
        let metrics = directive
            .get("Metrics")
            .and_then(Value::as_array)
            .filter(|m| !m.is_empty() && m.len() <= 100)
            .ok_or_else(|| bad("`Metrics` must hold 1–100 definitions"))?;
        for metric in metrics {
            let name = metric
                .get("Name")
                .and_then(Value::as_str)
                .ok_or_else(|| bad("a metric has no `Name` string"))?;
            if !root.get(name).is_some_and(Value::is_number) {
                return Err(Invalid(format!(
                    "metric `{name}` has no numeric value in the root"
                )));
            }
            if let Some(unit) = metric.get("Unit") {
                const UNITS: &[&str] = &[
                    "Seconds",
                    "Microseconds",
                    "Milliseconds",
                    "Bytes",
                    "Kilobytes",
                    "Megabytes",
                    "Gigabytes",
                    "Terabytes",
                    "Bits",
                    "Kilobits",
                    "Megabits",
                    "Gigabits",
                    "Terabits",
                    "Percent",
                    "Count",
                    "Bytes/Second",
                    "Kilobytes/Second",
                    "Megabytes/Second",
                    "Gigabytes/Second",
                    "Terabytes/Second",
                    "Bits/Second",
                    "Kilobits/Second",
                    "Megabits/Second",
                    "Gigabits/Second",
                    "Terabits/Second",
                    "Count/Second",
                    "None",
                ];
                if !unit.as_str().is_some_and(|u| UNITS.contains(&u)) {
                    return Err(Invalid(format!("metric `{name}` has an unknown unit")));
                }
            }
        }
    }
    Ok(root)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sinks_parse_and_bad_ones_are_refused() {
        assert_eq!("auto".parse::<Sink>(), Ok(Sink::Auto));
        assert_eq!("off".parse::<Sink>(), Ok(Sink::Off));
        assert_eq!("stdout".parse::<Sink>(), Ok(Sink::Stdout));
        assert_eq!(
            "tcp://cloudwatch-agent:25888".parse::<Sink>(),
            Ok(Sink::Agent("cloudwatch-agent:25888".into()))
        );
        for bad in [
            "",
            "udp://x:1",
            "tcp://",
            "tcp://host",
            "tcp://:25888",
            "tcp://h:0",
        ] {
            assert!(bad.parse::<Sink>().is_err(), "{bad:?} was accepted");
        }
    }

    #[test]
    fn a_request_record_is_valid_emf_with_its_dimensions_and_values() {
        let line = Record::new()
            .dimension_set(&["Service"])
            .dimension_set(&["Service", "Route"])
            .dimension("Service", "profiles")
            .dimension("Route", "POST /api/scores")
            .metric("Requests", Unit::Count, 1.0)
            .metric("Latency", Unit::Milliseconds, 3.25)
            .property("status", 200)
            .to_line("Whoosh/test", None, 1_700_000_000_000);
        let root = validate(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(root["Service"], "profiles");
        assert_eq!(root["Latency"], 3.25);
        assert_eq!(root["status"], 200);
        let directive = &root["_aws"]["CloudWatchMetrics"][0];
        assert_eq!(directive["Namespace"], "Whoosh/test");
        assert_eq!(
            directive["Dimensions"],
            json!([["Service"], ["Service", "Route"]])
        );
        assert_eq!(
            directive["Metrics"][1],
            json!({"Name": "Latency", "Unit": "Milliseconds"})
        );
        assert_eq!(root["_aws"]["Timestamp"], 1_700_000_000_000_u64);
    }

    #[test]
    fn a_record_without_dimensions_for_an_agent_is_valid_and_names_its_log_group() {
        let line = Record::new()
            .dimension_set(&[])
            .metric("LeaderboardDrift", Unit::Count, 0.0)
            .to_line(
                "Whoosh/test",
                Some("/aws/containerinsights/whoosh-test/prometheus"),
                1,
            );
        let root = validate(&line).unwrap_or_else(|e| panic!("{e}: {line}"));
        assert_eq!(
            root["_aws"]["LogGroupName"],
            "/aws/containerinsights/whoosh-test/prometheus"
        );
    }

    #[test]
    fn the_validator_refuses_what_cloudwatch_would_drop() {
        let cases = [
            ("not json", "not a JSON object"),
            (r#"{"a":1}"#, "no `_aws`"),
            (
                r#"{"_aws":{"Timestamp":"now","CloudWatchMetrics":[]}}"#,
                "Timestamp",
            ),
            (
                r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[["Svc"]],"Metrics":[{"Name":"M","Unit":"Count"}]}]},"M":1}"#,
                "dimension `Svc`",
            ),
            (
                r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[],"Metrics":[{"Name":"M","Unit":"Count"}]}]},"M":"1"}"#,
                "no numeric value",
            ),
            (
                r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"N","Dimensions":[],"Metrics":[{"Name":"M","Unit":"Furlongs"}]}]},"M":1}"#,
                "unknown unit",
            ),
            (
                r#"{"_aws":{"Timestamp":1,"CloudWatchMetrics":[{"Namespace":"","Dimensions":[],"Metrics":[{"Name":"M"}]}]},"M":1}"#,
                "Namespace",
            ),
        ];
        for (line, why) in cases {
            let err = validate(line).expect_err(line);
            assert!(err.0.contains(why), "{line}: {err}");
        }
    }
}
