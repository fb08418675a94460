//! Step 1: a client submits a request; its items are drawn and split into tasks (one per
//! request, or per window and shard for sharded apps).

use super::network::Node;
use super::task::Work;
use super::{C_SUBMIT, Ev, Msg, Req, Task, World, costs};
use crate::engine::Context;
use mlsim_core::scenario::Arrival;
use mlsim_core::{RecordSink, SimDuration};
use rand_distr::{Distribution, Exp};

/// The name prefix of the random streams of the `k`-th request (0-based, in submission order)
/// of workload class `class`: `request/<k>` for class 0 (the names single-class runs have always
/// used), `class/<class>/request/<k>` for the others. A class's draws thus depend only on the run
/// seed, the class and the request's index within the class: adding a class leaves the others'
/// item times as they were (common random numbers between a mix and its parts).
fn request_streams(class: usize, k: u32) -> String {
    match class {
        0 => format!("request/{k}"),
        c => format!("class/{c}/request/{k}"),
    }
}

impl<S: RecordSink> World<'_, S> {
    pub(super) fn submit(&mut self, c: u32, ctx: &mut Context<'_, Ev>) {
        let sc = self.sc;
        let class = c as usize;
        let wl = &sc.workloads[class];
        let app = &wl.app;
        let n = wl.items;
        let r = self.reqs.len() as u32;
        let in_class = self.submitted[class];
        self.submitted[class] += 1;
        // The request exists before its tasks (they look up their app through it).
        self.reqs.push(Req {
            class,
            in_class,
            ue: r % sc.topology.ues.max(1),
            submit: ctx.now(),
            stages: Vec::new(),
            stage: 0,
            pending: 0,
            output_bytes: app.output_bytes_per_item * n as u64,
            invocations: 0,
            checkpoints: 0,
            missed: 0,
            lost_ns: 0,
            cold_starts: 0,
            migrations: 0,
            evictions: 0,
            bytes: 0,
            failed: None,
            done: false,
            outstanding: 0,
        });
        let streams = request_streams(class, in_class);
        let mut item_rng = self.streams.stream(&format!("{streams}/items"));
        let works: Vec<u64> = (0..n)
            .map(|_| costs::duration(&app.item_time, &mut item_rng).as_nanos())
            .collect();
        let inputs: Vec<u64> = (0..n)
            .map(|j| {
                app.input_bytes_per_item
                    + if j == 0 {
                        app.first_item_extra_bytes
                    } else {
                        0
                    }
            })
            .collect();
        let shards = app.shards.max(1);
        let mut stages = Vec::new();
        if shards == 1 {
            let t = self.new_task(r, 0, &works, &inputs, app.output_bytes_per_item * n as u64);
            stages.push(vec![t]);
        } else {
            let mut k = 0;
            for (&w, &inp) in works.iter().zip(&inputs) {
                let mut stage = Vec::new();
                for s in 0..shards {
                    let mut part = w / shards as u64;
                    let mut input = inp / shards as u64;
                    if s == 0 {
                        part += w % shards as u64 + app.join_time.as_nanos();
                        input += inp % shards as u64;
                    }
                    stage.push(self.new_task(r, k, &[part], &[input], app.output_bytes_per_item));
                    k += 1;
                }
                stages.push(stage);
            }
        }
        let pending = stages.first().map_or(0, |s| s.len() as u32);
        let req = &mut self.reqs[r as usize];
        req.stages = stages;
        req.pending = pending;
        let p = &sc.protocol;
        let bytes = p.header_bytes + p.request_bytes + inputs.iter().sum::<u64>();
        let ue = Node::Ue(self.reqs[r as usize].ue);
        self.send(ctx, r, ue, self.control(), bytes, Msg::Request(r));
        if let Arrival::Poisson { rate_per_s } = wl.arrival {
            if self.submitted[class] < wl.requests {
                let gap = Exp::new(rate_per_s)
                    .map(|e| e.sample(&mut self.arrival_rngs[class]))
                    .unwrap_or(f64::INFINITY);
                ctx.schedule_in(SimDuration::from_secs_f64(gap), C_SUBMIT, Ev::Submit(c));
            }
        }
    }

    pub(super) fn new_task(
        &mut self,
        req: u32,
        index: u32,
        works: &[u64],
        inputs: &[u64],
        output_bytes: u64,
    ) -> usize {
        let mut suffix = vec![0u64; inputs.len() + 1];
        for j in (0..inputs.len()).rev() {
            suffix[j] = suffix[j + 1] + inputs[j];
        }
        self.tasks.push(Task {
            req,
            index,
            work: Work::new(works, self.class(req).app.segments),
            input_suffix: suffix,
            output_bytes,
            has_state: false,
            state_raw: 0,
            state_size: 0,
            image_setup_left: 0,
            last_bbu: None,
            invocations: 0,
            idle: 0,
            completed: false,
            rng: {
                let q = &self.reqs[req as usize];
                let streams = request_streams(q.class, q.in_class);
                self.streams.stream(&format!("{streams}/task/{index}"))
            },
        })
    }
}
