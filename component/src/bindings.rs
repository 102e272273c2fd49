//! The only file that knows WIT: converts between the engine's types and the world's.
//!
//! Nothing here may panic on input: every failure comes back as the WIT `error` variant, and
//! the engine validates all input-derived sizes before indexing (a trap would poison the
//! instance in every host).

use crate as engine;
use alloc::{string::String, vec::Vec};

wit_bindgen::generate!({
    world: "wasmicro",
    path: "../wit",
});

use exports::wasmicro::inference::engine as wit;

struct Component;

struct ModelResource(alloc::rc::Rc<engine::Model>);

/// A generation keeps its model alive: the guest may drop the model handle first.
struct GenerationResource {
    model: alloc::rc::Rc<engine::Model>,
    generation: core::cell::RefCell<engine::Generation>,
}

impl From<engine::Error> for wit::Error {
    fn from(e: engine::Error) -> wit::Error {
        match e {
            engine::Error::MissingFile(m) => wit::Error::MissingFile(m),
            engine::Error::InvalidModel(m) => wit::Error::InvalidModel(m),
            engine::Error::InvalidConfig(m) => wit::Error::InvalidConfig(m),
            engine::Error::InvalidTokenizer(m) => wit::Error::InvalidTokenizer(m),
            engine::Error::UnsupportedArchitecture(m) => wit::Error::UnsupportedArchitecture(m),
            engine::Error::Unsupported(m) => wit::Error::Unsupported(m),
            engine::Error::InvalidInput(m) => wit::Error::InvalidInput(m),
        }
    }
}

fn pooling_to_wit(p: engine::Pooling) -> wit::Pooling {
    match p {
        engine::Pooling::Cls => wit::Pooling::Cls,
        engine::Pooling::Mean => wit::Pooling::Mean,
        engine::Pooling::Max => wit::Pooling::Max,
        engine::Pooling::Last => wit::Pooling::Last,
    }
}

fn pooling_from_wit(p: wit::Pooling) -> engine::Pooling {
    match p {
        wit::Pooling::Cls => engine::Pooling::Cls,
        wit::Pooling::Mean => engine::Pooling::Mean,
        wit::Pooling::Max => engine::Pooling::Max,
        wit::Pooling::Last => engine::Pooling::Last,
    }
}

fn generate_options(o: wit::GenerateOptions) -> engine::GenerateOptions {
    engine::GenerateOptions {
        max_new_tokens: o.max_new_tokens,
        temperature: o.temperature,
        top_k: o.top_k,
        top_p: o.top_p,
        repetition_penalty: o.repetition_penalty,
        seed: o.seed,
        stop: o.stop,
    }
}

fn embed_options(o: wit::EmbedOptions) -> engine::EmbedOptions {
    engine::EmbedOptions {
        pooling: o.pooling.map(pooling_from_wit),
        normalize: o.normalize,
        max_tokens: o.max_tokens,
        truncate: o.truncate,
    }
}

impl wit::Guest for Component {
    type Model = ModelResource;
    type Generation = GenerationResource;

    fn load(files: Vec<wit::File>) -> Result<wit::Model, wit::Error> {
        Self::load_with_options(files, wit::LoadOptions { weights: wit::Weights::AsStored })
    }

    fn load_with_options(files: Vec<wit::File>, options: wit::LoadOptions) -> Result<wit::Model, wit::Error> {
        let mut named = Vec::with_capacity(files.len());
        for f in files {
            named.push((f.name, f.bytes));
        }
        let options = engine::LoadOptions { int8: options.weights == wit::Weights::Int8 };
        Ok(wit::Model::new(ModelResource(alloc::rc::Rc::new(engine::Model::load_with(named, &options)?))))
    }
}

impl wit::GuestModel for ModelResource {
    fn info(&self) -> wit::ModelInfo {
        let i = self.0.info();
        wit::ModelInfo {
            family: match i.family {
                engine::Family::Bert => wit::Family::Bert,
                engine::Family::Gpt2 => wit::Family::Gpt2,
                engine::Family::T5 => wit::Family::T5,
            },
            model_type: i.model_type.clone(),
            architecture: i.architecture.clone(),
            hidden_size: i.hidden_size,
            num_layers: i.num_layers,
            num_heads: i.num_heads,
            vocab_size: i.vocab_size,
            max_position_embeddings: i.max_position_embeddings,
            dtype: i.dtype.clone(),
            embedding_size: i.embedding_size,
            pooling: pooling_to_wit(i.pooling),
            normalize: i.normalize,
            max_input_tokens: i.max_input_tokens,
            labels: i.labels.clone(),
        }
    }

    fn tokenize(&self, text: String, add_special_tokens: bool) -> Result<Vec<u32>, wit::Error> {
        Ok(self.0.tokenize(&text, add_special_tokens)?)
    }

    fn decode(&self, ids: Vec<u32>, skip_special_tokens: bool) -> Result<String, wit::Error> {
        Ok(self.0.decode(&ids, skip_special_tokens)?)
    }

    fn embed(&self, text: String, options: wit::EmbedOptions) -> Result<Vec<f32>, wit::Error> {
        Ok(self.0.embed(&text, &embed_options(options))?)
    }

    fn embed_batch(&self, texts: Vec<String>, options: wit::EmbedOptions) -> Result<Vec<Vec<f32>>, wit::Error> {
        Ok(self.0.embed_batch(&texts, &embed_options(options))?)
    }

    fn embed_tokens(&self, text: String, options: wit::EmbedOptions) -> Result<Vec<Vec<f32>>, wit::Error> {
        Ok(self.0.embed_tokens(&text, &embed_options(options))?)
    }

    fn generate(&self, prompt: String, options: wit::GenerateOptions) -> Result<String, wit::Error> {
        Ok(self.0.generate(&prompt, &generate_options(options))?)
    }

    fn generate_stream(&self, prompt: String, options: wit::GenerateOptions) -> Result<wit::Generation, wit::Error> {
        let generation = self.0.start_generation(&prompt, &generate_options(options))?;
        Ok(wit::Generation::new(GenerationResource {
            model: self.0.clone(),
            generation: core::cell::RefCell::new(generation),
        }))
    }

    fn next_token_logits(&self, prompt: String) -> Result<Vec<f32>, wit::Error> {
        Ok(self.0.next_token_logits(&prompt)?)
    }

    fn classify(
        &self,
        text: String,
        pair: Option<String>,
        options: wit::ClassifyOptions,
    ) -> Result<Vec<wit::LabelScore>, wit::Error> {
        let options = engine::ClassifyOptions {
            top_k: options.top_k,
            raw_scores: options.raw_scores,
            max_tokens: options.max_tokens,
        };
        Ok(label_scores(self.0.classify(&text, pair.as_deref(), &options)?))
    }

    fn rerank(&self, query: String, documents: Vec<String>) -> Result<Vec<wit::Ranked>, wit::Error> {
        let ranked = self.0.rerank(&query, &documents)?;
        let mut out = Vec::with_capacity(ranked.len());
        for (index, score) in ranked {
            out.push(wit::Ranked { index, score });
        }
        Ok(out)
    }

    fn zero_shot(
        &self,
        text: String,
        labels: Vec<String>,
        options: wit::ZeroShotOptions,
    ) -> Result<Vec<wit::LabelScore>, wit::Error> {
        let scores = self.0.zero_shot(&text, &labels, options.hypothesis_template.as_deref(), options.multi_label)?;
        Ok(label_scores(scores))
    }

    fn int8_checkpoint(&self) -> Result<Vec<u8>, wit::Error> {
        Ok(self.0.int8_checkpoint()?)
    }
}

fn label_scores(scores: Vec<engine::LabelScore>) -> Vec<wit::LabelScore> {
    let mut out = Vec::with_capacity(scores.len());
    for s in scores {
        out.push(wit::LabelScore { index: s.index, label: s.label, score: s.score });
    }
    out
}

impl wit::GuestGeneration for GenerationResource {
    fn next(&self) -> Result<Option<String>, wit::Error> {
        // Calls on one resource never nest, so the borrow is always free.
        let mut generation =
            self.generation.try_borrow_mut().map_err(|_| wit::Error::InvalidInput("generation busy".into()))?;
        Ok(self.model.next_chunk(&mut generation)?)
    }

    fn tokens(&self) -> Vec<u32> {
        self.generation.try_borrow().map(|g| g.generated_ids().to_vec()).unwrap_or_default()
    }
}

export!(Component);
