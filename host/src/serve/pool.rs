//! A pool of component instances, each on its own OS thread with the model loaded once, fed by
//! one bounded queue. Embedding jobs that wait together are merged into one `embed_batch` call
//! up to a token budget; since a batch is never padded, each text's vector is bit-for-bit what
//! `embed` gives, so batching is invisible to clients.

use super::{ApiError, Metrics};
use std::collections::VecDeque;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::{Duration, Instant};
use tokio::sync::oneshot;
use wasmicro::{EmbedOptions, Engine, Instance, Limits, ModelHandle, ModelInfo};

/// The files of the served model directory, kept to rebuild an instance that failed.
pub type ModelFiles = Arc<Vec<(String, Vec<u8>)>>;

/// How often the epoch ticker advances the engine's epoch (the granularity of deadlines).
pub const EPOCH_TICK: Duration = Duration::from_millis(5);

pub struct EmbedJob {
    pub texts: Vec<String>,
    pub options: EmbedOptions,
    /// Also count the tokens each text is embedded from (OpenAI's `usage`).
    pub count_tokens: bool,
    pub reply: oneshot::Sender<Result<EmbedOutput, ApiError>>,
}

pub struct EmbedOutput {
    pub vectors: Vec<Vec<f32>>,
    pub tokens: usize,
}

/// A call to make with an instance and its model; it sends its own reply.
pub type InstanceCall = Box<dyn FnOnce(&mut Instance, &ModelHandle) + Send>;

/// Any other call: runs with the instance and sends its own reply.
pub struct Task {
    pub run: InstanceCall,
    /// True once the client has gone (its reply can no longer be delivered).
    pub abandoned: Box<dyn Fn() -> bool + Send>,
}

pub enum Job {
    Embed(EmbedJob),
    Task(Task),
}

impl Job {
    fn abandoned(&self) -> bool {
        match self {
            Job::Embed(job) => job.reply.is_closed(),
            Job::Task(task) => (task.abandoned)(),
        }
    }
}

/// What a worker takes from the queue in one go.
enum Work {
    Embed(Vec<EmbedJob>),
    Task(Task),
}

pub struct PoolConfig {
    pub instances: usize,
    pub queue_capacity: usize,
    pub max_batch_tokens: usize,
    pub timeout: Duration,
    pub limits: Limits,
    /// How each instance loads the model (e.g. int8 weights).
    pub load: wasmicro::LoadOptions,
}

pub struct Pool {
    queue: Mutex<VecDeque<Job>>,
    ready: Condvar,
    config: PoolConfig,
    /// Longest input the model reads (tokens); a text never costs more than this in a batch.
    max_input_tokens: usize,
    pub info: ModelInfo,
    healthy: AtomicUsize,
    metrics: Arc<Metrics>,
}

impl Pool {
    /// Builds every instance (loading the model into each), then starts the workers and the
    /// epoch ticker. Fails if the model does not load.
    pub fn start(
        engine: Engine,
        files: ModelFiles,
        config: PoolConfig,
        metrics: Arc<Metrics>,
    ) -> Result<Arc<Pool>, String> {
        let count = config.instances.max(1);
        let mut built = Vec::with_capacity(count);
        // Loading copies and parses the weights: do it for all instances at once.
        let handles: Vec<_> = (0..count)
            .map(|_| {
                let (engine, files, limits, load) = (engine.clone(), files.clone(), config.limits.clone(), config.load);
                std::thread::spawn(move || build_instance(&engine, &files, &limits, &load))
            })
            .collect();
        for handle in handles {
            built.push(handle.join().map_err(|_| "a loading thread panicked".to_owned())??);
        }
        let info = {
            let (instance, model) = &mut built[0];
            instance.info(model).map_err(|e| e.to_string())?
        };
        let pool = Arc::new(Pool {
            queue: Mutex::new(VecDeque::new()),
            ready: Condvar::new(),
            max_input_tokens: info.max_input_tokens.max(1) as usize,
            info,
            healthy: AtomicUsize::new(count),
            config,
            metrics,
        });
        for (index, (instance, model)) in built.into_iter().enumerate() {
            let (pool, engine, files) = (pool.clone(), engine.clone(), files.clone());
            std::thread::Builder::new()
                .name(format!("wasmicro-instance-{index}"))
                .spawn(move || pool.work(instance, model, &engine, &files))
                .map_err(|e| format!("starting a worker thread: {e}"))?;
        }
        let ticker_engine = engine.clone();
        std::thread::Builder::new()
            .name("wasmicro-epoch".into())
            .spawn(move || {
                loop {
                    std::thread::sleep(EPOCH_TICK);
                    ticker_engine.increment_epoch();
                }
            })
            .map_err(|e| format!("starting the epoch thread: {e}"))?;
        Ok(pool)
    }

    /// Queues a job, or gives it back when the queue is full (the caller answers 429).
    pub fn submit(&self, job: Job) -> Result<(), Job> {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        if queue.len() >= self.config.queue_capacity {
            return Err(job);
        }
        queue.push_back(job);
        self.metrics.set_queue_depth(queue.len());
        drop(queue);
        self.ready.notify_one();
        Ok(())
    }

    pub fn healthy_instances(&self) -> usize {
        self.healthy.load(Ordering::Relaxed)
    }

    pub fn instances(&self) -> usize {
        self.config.instances.max(1)
    }

    /// What a text may cost in a batch: at most one token per byte (plus the special tokens),
    /// at most the model's input limit. An upper bound, so a batch never exceeds the budget.
    fn token_estimate(&self, job: &EmbedJob) -> usize {
        let limit = job.options.max_tokens.map_or(self.max_input_tokens, |m| m as usize);
        job.texts.iter().map(|t| (t.len() + 2).min(limit)).sum()
    }

    /// Blocks until there is work: a task, or a run of embedding jobs with the same options
    /// that fits the token budget (the first job always goes, whatever its size).
    fn next_work(&self) -> Work {
        let mut queue = self.queue.lock().unwrap_or_else(|e| e.into_inner());
        loop {
            while let Some(job) = queue.pop_front() {
                if job.abandoned() {
                    self.metrics.count_abandoned();
                    continue;
                }
                let first = match job {
                    Job::Task(task) => {
                        self.metrics.set_queue_depth(queue.len());
                        return Work::Task(task);
                    }
                    Job::Embed(first) => first,
                };
                let key = format!("{:?}", first.options);
                let mut budget = self.config.max_batch_tokens.saturating_sub(self.token_estimate(&first));
                let mut batch = vec![first];
                let mut index = 0;
                while index < queue.len() {
                    let fits = match &queue[index] {
                        Job::Embed(next) => {
                            let cost = self.token_estimate(next);
                            (cost <= budget && format!("{:?}", next.options) == key).then_some(cost)
                        }
                        Job::Task(_) => None,
                    };
                    match fits {
                        Some(cost) => {
                            budget -= cost;
                            if let Some(Job::Embed(next)) = queue.remove(index) {
                                if next.reply.is_closed() {
                                    self.metrics.count_abandoned();
                                } else {
                                    batch.push(next);
                                }
                            }
                        }
                        None => index += 1,
                    }
                }
                self.metrics.set_queue_depth(queue.len());
                return Work::Embed(batch);
            }
            queue = self.ready.wait(queue).unwrap_or_else(|e| e.into_inner());
        }
    }

    fn deadline_ticks(&self) -> u64 {
        let tick = EPOCH_TICK.as_millis().max(1);
        (self.config.timeout.as_millis().div_ceil(tick) as u64).max(1) + 1
    }

    /// A worker's life: take work, run it under the deadline, rebuild the instance if it trapped.
    fn work(&self, mut instance: Instance, mut model: ModelHandle, engine: &Engine, files: &ModelFiles) {
        loop {
            let work = self.next_work();
            instance.set_deadline(Some(self.deadline_ticks()));
            match work {
                Work::Embed(jobs) => self.run_embed(&mut instance, &model, jobs),
                Work::Task(task) => (task.run)(&mut instance, &model),
            }
            instance.set_deadline(None);
            if instance.is_poisoned() {
                self.metrics.count_recycled();
                self.healthy.fetch_sub(1, Ordering::Relaxed);
                // The old instance (and all its memory) goes before the new one is built.
                drop(instance);
                (instance, model) = self.rebuild(engine, files);
                self.healthy.fetch_add(1, Ordering::Relaxed);
            }
        }
    }

    fn rebuild(&self, engine: &Engine, files: &ModelFiles) -> (Instance, ModelHandle) {
        let mut wait = Duration::from_millis(100);
        loop {
            match build_instance(engine, files, &self.config.limits, &self.config.load) {
                Ok(built) => return built,
                Err(message) => {
                    eprintln!("wasmicro serve: rebuilding an instance failed ({message}); retrying");
                    std::thread::sleep(wait);
                    wait = (wait * 2).min(Duration::from_secs(5));
                }
            }
        }
    }

    fn run_embed(&self, instance: &mut Instance, model: &ModelHandle, jobs: Vec<EmbedJob>) {
        self.metrics.observe_batch(jobs.iter().map(|j| j.texts.len()).sum());
        if jobs.len() == 1 {
            for job in jobs {
                let result = embed_one(instance, model, &job, self.max_input_tokens);
                let _ = job.reply.send(result);
            }
            return;
        }
        let texts: Vec<&str> = jobs.iter().flat_map(|j| j.texts.iter().map(String::as_str)).collect();
        let started = Instant::now();
        match instance.embed_batch(model, &texts, &jobs[0].options) {
            Ok(vectors) => {
                let mut vectors = vectors.into_iter();
                for job in jobs {
                    let mine: Vec<Vec<f32>> = vectors.by_ref().take(job.texts.len()).collect();
                    let tokens = if job.count_tokens {
                        match count_tokens(instance, model, &job, self.max_input_tokens) {
                            Ok(n) => n,
                            Err(e) => {
                                let _ = job.reply.send(Err(e));
                                continue;
                            }
                        }
                    } else {
                        0
                    };
                    let _ = job.reply.send(Ok(EmbedOutput { vectors: mine, tokens }));
                }
            }
            // One job's bad input fails the whole batch: run them one by one so that only
            // that job gets the error.
            Err(wasmicro::Error::Model { .. }) => {
                for job in jobs {
                    let result = embed_one(instance, model, &job, self.max_input_tokens);
                    let _ = job.reply.send(result);
                }
            }
            Err(e) => {
                let error = ApiError::from_call(&e, started.elapsed());
                for job in jobs {
                    let _ = job.reply.send(Err(error.clone()));
                }
            }
        }
    }
}

fn build_instance(
    engine: &Engine,
    files: &ModelFiles,
    limits: &Limits,
    load: &wasmicro::LoadOptions,
) -> Result<(Instance, ModelHandle), String> {
    let mut instance = Instance::new(engine, limits).map_err(|e| e.to_string())?;
    let model = instance.load_with_options(files.as_ref().clone(), load).map_err(|e| e.to_string())?;
    Ok((instance, model))
}

fn embed_one(
    instance: &mut Instance,
    model: &ModelHandle,
    job: &EmbedJob,
    max_input_tokens: usize,
) -> Result<EmbedOutput, ApiError> {
    let started = Instant::now();
    let vectors = instance
        .embed_batch(model, &job.texts, &job.options)
        .map_err(|e| ApiError::from_call(&e, started.elapsed()))?;
    let tokens = if job.count_tokens { count_tokens(instance, model, job, max_input_tokens)? } else { 0 };
    Ok(EmbedOutput { vectors, tokens })
}

/// Tokens the texts were embedded from (after truncation).
fn count_tokens(
    instance: &mut Instance,
    model: &ModelHandle,
    job: &EmbedJob,
    max_input_tokens: usize,
) -> Result<usize, ApiError> {
    let limit = job.options.max_tokens.map_or(max_input_tokens, |m| m as usize);
    let mut total = 0;
    for text in &job.texts {
        let started = Instant::now();
        let ids = instance.tokenize(model, text, true).map_err(|e| ApiError::from_call(&e, started.elapsed()))?;
        total += ids.len().min(limit);
    }
    Ok(total)
}
