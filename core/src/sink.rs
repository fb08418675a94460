//! How records leave a model: through a [`RecordSink`], never through files.

use crate::record::*;

/// Receives the records a run produces. Implemented by [`Records`] (in memory); the top layers
/// decide where records go after a run.
pub trait RecordSink {
    /// A finished (or failed) request.
    fn request(&mut self, r: RequestRecord);
    /// A finished invocation.
    fn invocation(&mut self, r: InvocationRecord);
    /// A checkpoint attempt.
    fn checkpoint(&mut self, r: CheckpointRecord);
    /// Per-link traffic, at the end of a run.
    fn link(&mut self, r: LinkRecord);
    /// Per-step traffic, at the end of a run.
    fn step(&mut self, r: StepRecord);
    /// Per-BBU usage, at the end of a run.
    fn bbu(&mut self, r: BbuRecord);
    /// An event of a blocking function (suspend study).
    fn function_event(&mut self, r: FunctionEventRecord);
    /// A blocking function, at the end of a run (suspend study).
    fn function(&mut self, r: FunctionRecord);
    /// Per-BBU memory, at the end of a run (suspend study).
    fn memory(&mut self, r: MemoryRecord);
    /// A finished serverless invocation (serverless study).
    fn call(&mut self, r: CallRecord);
    /// A function instance, when reclaimed or at the end of a run (serverless study).
    fn instance(&mut self, r: InstanceRecord);
    /// Per-worker instance pool, at the end of a run (serverless study).
    fn pool(&mut self, r: PoolRecord);
}

/// All records of one run, in the order they were produced.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct Records {
    /// `requests.csv` rows.
    pub requests: Vec<RequestRecord>,
    /// `invocations.csv` rows.
    pub invocations: Vec<InvocationRecord>,
    /// `checkpoints.csv` rows.
    pub checkpoints: Vec<CheckpointRecord>,
    /// `links.csv` rows.
    pub links: Vec<LinkRecord>,
    /// `steps.csv` rows.
    pub steps: Vec<StepRecord>,
    /// `bbus.csv` rows.
    pub bbus: Vec<BbuRecord>,
    /// `events.csv` rows (suspend study).
    pub events: Vec<FunctionEventRecord>,
    /// `functions.csv` rows (suspend study).
    pub functions: Vec<FunctionRecord>,
    /// `memory.csv` rows (suspend study).
    pub memory: Vec<MemoryRecord>,
    /// `calls.csv` rows (serverless study).
    pub calls: Vec<CallRecord>,
    /// `instances.csv` rows (serverless study).
    pub instances: Vec<InstanceRecord>,
    /// `pools.csv` rows (serverless study).
    pub pools: Vec<PoolRecord>,
}

impl Records {
    /// Sends every record, kind by kind in the order they were produced, to `sink`.
    pub fn replay(&self, sink: &mut dyn RecordSink) {
        for r in &self.requests {
            sink.request(r.clone());
        }
        for r in &self.invocations {
            sink.invocation(r.clone());
        }
        for r in &self.checkpoints {
            sink.checkpoint(r.clone());
        }
        for r in &self.links {
            sink.link(r.clone());
        }
        for r in &self.steps {
            sink.step(r.clone());
        }
        for r in &self.bbus {
            sink.bbu(r.clone());
        }
        for r in &self.events {
            sink.function_event(r.clone());
        }
        for r in &self.functions {
            sink.function(r.clone());
        }
        for r in &self.memory {
            sink.memory(r.clone());
        }
        for r in &self.calls {
            sink.call(r.clone());
        }
        for r in &self.instances {
            sink.instance(r.clone());
        }
        for r in &self.pools {
            sink.pool(r.clone());
        }
    }
}

impl RecordSink for Records {
    fn request(&mut self, r: RequestRecord) {
        self.requests.push(r);
    }
    fn invocation(&mut self, r: InvocationRecord) {
        self.invocations.push(r);
    }
    fn checkpoint(&mut self, r: CheckpointRecord) {
        self.checkpoints.push(r);
    }
    fn link(&mut self, r: LinkRecord) {
        self.links.push(r);
    }
    fn step(&mut self, r: StepRecord) {
        self.steps.push(r);
    }
    fn bbu(&mut self, r: BbuRecord) {
        self.bbus.push(r);
    }
    fn function_event(&mut self, r: FunctionEventRecord) {
        self.events.push(r);
    }
    fn function(&mut self, r: FunctionRecord) {
        self.functions.push(r);
    }
    fn memory(&mut self, r: MemoryRecord) {
        self.memory.push(r);
    }
    fn call(&mut self, r: CallRecord) {
        self.calls.push(r);
    }
    fn instance(&mut self, r: InstanceRecord) {
        self.instances.push(r);
    }
    fn pool(&mut self, r: PoolRecord) {
        self.pools.push(r);
    }
}

/// A sink behind a mutable reference (e.g. `&mut dyn RecordSink`) is a sink, so generic models
/// can be handed the trait object a backend receives.
impl<T: RecordSink + ?Sized> RecordSink for &mut T {
    fn request(&mut self, r: RequestRecord) {
        (**self).request(r);
    }
    fn invocation(&mut self, r: InvocationRecord) {
        (**self).invocation(r);
    }
    fn checkpoint(&mut self, r: CheckpointRecord) {
        (**self).checkpoint(r);
    }
    fn link(&mut self, r: LinkRecord) {
        (**self).link(r);
    }
    fn step(&mut self, r: StepRecord) {
        (**self).step(r);
    }
    fn bbu(&mut self, r: BbuRecord) {
        (**self).bbu(r);
    }
    fn function_event(&mut self, r: FunctionEventRecord) {
        (**self).function_event(r);
    }
    fn function(&mut self, r: FunctionRecord) {
        (**self).function(r);
    }
    fn memory(&mut self, r: MemoryRecord) {
        (**self).memory(r);
    }
    fn call(&mut self, r: CallRecord) {
        (**self).call(r);
    }
    fn instance(&mut self, r: InstanceRecord) {
        (**self).instance(r);
    }
    fn pool(&mut self, r: PoolRecord) {
        (**self).pool(r);
    }
}
