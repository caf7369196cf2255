"""Transcription benchmark: faster-whisper vs openai-whisper on the SAME weights.

A ~60 s English sales memo is synthesised offline (espeak-ng sentences concatenated),
encoded to m4a like a Slack clip, then transcribed by each engine in its own subprocess
(fair peak RSS) with the same model (the multilingual base; openai-whisper gets the
converted checkpoint) and the same thread count. Reported per engine: load time,
real-time factor (transcribe seconds / audio seconds), peak RSS, and WER without and with
context biasing (the memo's deal/company/contact names as vocabulary).

    python benchmarks/transcribe.py [--threads 2] [--engines faster-whisper,openai-whisper]
                                    [--json results.json]
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def make_memo(workdir: Path) -> tuple[Path, str]:
    from tests.transcription import audiogen

    wavs = [
        audiogen.espeak_wav(sentence, workdir / f"s{i:02d}.wav", speed=140)
        for i, sentence in enumerate(audiogen.LONG_MEMO_SENTENCES)
    ]
    memo_wav = audiogen.concat_wavs(wavs, workdir / "memo.wav", gap_seconds=0.8)
    samples, rate = audiogen.read_wav(memo_wav)
    memo = audiogen.encode(samples, rate, "m4a", workdir / "memo.m4a")
    return memo, " ".join(audiogen.LONG_MEMO_SENTENCES)


def worker(engine_name: str, audio_path: Path, threads: int, cache_dir: Path) -> dict[str, object]:
    """Runs in a child process: load, transcribe plain and biased, report timings and RSS."""
    from bot.transcription import decode_audio, load_engine
    from tests.transcription import audiogen

    t0 = time.perf_counter()
    engine = load_engine(engine_name, None, threads, cache_dir)
    load_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    audio = decode_audio(audio_path)
    decode_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    plain = engine.transcribe(audio.samples, language="en", hint_language=None, vocabulary=[])
    plain_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    biased = engine.transcribe(audio.samples, language="en", hint_language=None,
                               vocabulary=audiogen.LONG_MEMO_VOCAB)
    biased_s = time.perf_counter() - t0
    t0 = time.perf_counter()
    auto = engine.transcribe(audio.samples, language=None, hint_language=None, vocabulary=[])
    auto_s = time.perf_counter() - t0
    return {
        "engine": engine_name,
        "model": engine.model,
        "threads": threads,
        "audio_seconds": audio.duration_seconds,
        "load_s": load_s,
        "decode_s": decode_s,
        "transcribe_s": plain_s,
        "transcribe_biased_s": biased_s,
        "transcribe_autolang_s": auto_s,
        "rtf": plain_s / audio.duration_seconds,
        "rtf_biased": biased_s / audio.duration_seconds,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "text": plain.text,
        "text_biased": biased.text,
        "detected_language": auto.language,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--engines", default="faster-whisper,openai-whisper")
    parser.add_argument("--cache-dir", type=Path, default=None,
                        help="model cache (default: a temporary directory)")
    parser.add_argument("--json", type=Path, default=None, help="also write results here")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    parser.add_argument("--audio", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()

    if args.worker:
        print(json.dumps(worker(args.worker, args.audio, args.threads, args.cache_dir)))
        return 0

    from bot.transcription.models import resolve_model
    from tests.transcription.metrics import wer

    with tempfile.TemporaryDirectory(prefix="dealbot-bench-") as tmp:
        workdir = Path(tmp)
        cache = args.cache_dir or workdir / "models"
        memo, reference = make_memo(workdir)
        model_dir = resolve_model(None, cache)  # assemble once, outside the measured children
        engines = [e.strip() for e in args.engines.split(",") if e.strip()]
        if "openai-whisper" in engines:
            try:
                from bot.transcription.openai_whisper_engine import checkpoint_for

                t0 = time.perf_counter()
                ckpt = checkpoint_for(model_dir, cache)
                print(f"converted CTranslate2 -> {ckpt.name} in {time.perf_counter() - t0:.1f}s",
                      file=sys.stderr)
            except ImportError as exc:
                print(f"skipping openai-whisper: {exc}", file=sys.stderr)
                engines.remove("openai-whisper")
        results = []
        for name in engines:
            env = dict(os.environ, OMP_NUM_THREADS=str(args.threads))
            proc = subprocess.run(
                [sys.executable, __file__, "--worker", name, "--audio", str(memo),
                 "--threads", str(args.threads), "--cache-dir", str(cache)],
                capture_output=True, text=True, env=env, check=False, cwd=ROOT,
            )
            if proc.returncode != 0:
                print(proc.stderr[-3000:], file=sys.stderr)
                raise SystemExit(f"{name} worker failed")
            result = json.loads(proc.stdout.strip().splitlines()[-1])
            result["wer"] = wer(reference, str(result["text"]))
            result["wer_biased"] = wer(reference, str(result["text_biased"]))
            results.append(result)

    print(f"\n{'engine':<16}{'audio s':>8}{'load s':>8}{'RTF':>7}{'RTF bias':>9}{'peak MB':>9}"
          f"{'WER':>7}{'WER bias':>9}  lang")
    for r in results:
        print(f"{r['engine']:<16}{r['audio_seconds']:>8.1f}{r['load_s']:>8.1f}{r['rtf']:>7.3f}"
              f"{r['rtf_biased']:>9.3f}{r['peak_rss_mb']:>9.0f}{r['wer']:>7.3f}{r['wer_biased']:>9.3f}"
              f"  {r['detected_language']}")
    by_name = {r["engine"]: r for r in results}
    if {"faster-whisper", "openai-whisper"} <= by_name.keys():
        fw, ow = by_name["faster-whisper"], by_name["openai-whisper"]
        print(f"\nspeedup (openai RTF / faster RTF): {float(ow['rtf']) / float(fw['rtf']):.2f}x; "
              f"memory ratio: {float(ow['peak_rss_mb']) / float(fw['peak_rss_mb']):.2f}x")
    for r in results:
        print(f"\n[{r['engine']}] plain : {r['text']}\n[{r['engine']}] biased: {r['text_biased']}")
    print(f"\nreference: {reference}")
    if args.json:
        args.json.write_text(json.dumps(results, indent=2, ensure_ascii=False), encoding="utf-8")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
