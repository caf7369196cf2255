"""`dealbot transcribe FILE` against a bare faster-whisper script: what the CLI adds to the engine.

The same ~60 s English memo (espeak-ng, encoded to m4a like a Slack clip; see
benchmarks/transcribe.py) is transcribed by two kinds of fresh processes, alternately:

  1. bare: a few lines of faster-whisper (`WhisperModel(dir, cpu, int8, cpu_threads=N)`,
     `transcribe(path, beam_size=5, vad_filter=True)`, print the text), given the model
     directory dealbot resolves for `WHISPER_MODEL` (default: the bundled multilingual `base`);
  2. dealbot: `dealbot transcribe FILE` with `WHISPER_MODEL` and `WHISPER_THREADS=N`, finding
     the model its own way (`bot.transcription.models`).

Both detect the language unless `--language` is given (then both are told it). With
`--audio wav16k` the memo is a 16 kHz mono WAV instead, which both decoders turn into the very
same samples: the m4a's resampling differs in the last bits, and on this memo that is enough
for one engine or the other to decode its last sentence again at a higher temperature.

Measured for each whole process (start-up, imports, model load, decode, transcription,
output): wall time, and CPU time (user + system), which other load on the machine disturbs
less. Prints every run, the medians and the ratios dealbot / bare (goal: ≤ 1.15).

    python benchmarks/cli_transcribe.py [--runs 5] [--threads 2] [--model base] [--language en]
                                        [--audio m4a|wav16k]
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from benchmarks.transcribe import make_memo  # noqa: E402
from bot.transcription.audio import decode_audio  # noqa: E402
from bot.transcription.models import resolve_model  # noqa: E402
from tests.transcription.audiogen import write_wav  # noqa: E402

DEALBOT = str(Path(sys.executable).parent / "dealbot")

BARE = """
import sys
from faster_whisper import WhisperModel

model_dir, threads, audio, language = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4] or None
model = WhisperModel(model_dir, device="cpu", compute_type="int8", cpu_threads=threads,
                     local_files_only=True)
segments, info = model.transcribe(audio, beam_size=5, vad_filter=True, language=language)
print(" ".join(segment.text.strip() for segment in segments))
print(f"({info.language}, {info.duration:.1f} s)", file=sys.stderr)
"""


def timed(command: list[str], env: dict[str, str], cwd: Path) -> tuple[float, float, str]:
    """Wall seconds and CPU seconds the process took, and what it printed."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    done = subprocess.run(command, env=env, cwd=cwd, capture_output=True, text=True, check=False)
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    if done.returncode != 0:
        raise SystemExit(f"{command[0]} failed ({done.returncode}):\n{done.stderr[-3000:]}")
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, done.stdout.strip()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=5, help="runs of each (alternating)")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--model", default="base", help="WHISPER_MODEL: base, tiny.en or a directory")
    parser.add_argument("--language", default="", help="tell both the language (default: detect)")
    parser.add_argument("--audio", choices=("m4a", "wav16k"), default="m4a", help="the memo's file format")
    parser.add_argument("--cache-dir", type=Path, default=None, help="model cache (default: dealbot's)")
    args = parser.parse_args()

    with tempfile.TemporaryDirectory(prefix="dealbot-cli-bench-") as tmp:
        workdir = Path(tmp)
        memo, _reference = make_memo(workdir)
        if args.audio == "wav16k":
            memo = write_wav(decode_audio(memo).samples, 16_000, workdir / "memo16k.wav")
        model_dir = resolve_model(args.model, args.cache_dir)  # assembled once, outside the timings
        env = {
            key: value
            for key, value in os.environ.items()
            if not key.startswith(("SLACK_", "DEALBOT_", "WHISPER_", "DATABASE_URL"))
        }
        env.update(WHISPER_MODEL=args.model, WHISPER_THREADS=str(args.threads))
        if args.cache_dir is not None:
            env["DEALBOT_MODEL_CACHE"] = str(args.cache_dir)
        language = ["--language", args.language] if args.language else []
        commands = {
            "bare": [sys.executable, "-c", BARE, str(model_dir), str(args.threads), str(memo), args.language],
            "dealbot": [DEALBOT, "transcribe", *language, str(memo)],
        }
        timed(commands["bare"], env, workdir)  # warm the page cache: the model file, the libraries
        wall: dict[str, list[float]] = {name: [] for name in commands}
        cpu: dict[str, list[float]] = {name: [] for name in commands}
        texts: dict[str, str] = {}
        for run in range(args.runs):
            for name, command in commands.items():
                seconds, cpu_seconds, texts[name] = timed(command, env, workdir)
                wall[name].append(seconds)
                cpu[name].append(cpu_seconds)
                line = f"run {run + 1}: {name:<8}{seconds:7.2f} s wall {cpu_seconds:7.2f} s CPU"
                print(line, file=sys.stderr)

    print(f"\n{args.audio} memo, model {model_dir}, {args.threads} thread(s), {args.runs} run(s) each:")
    print(f"  {'':<22}{'wall s':>8}{'(min)':>8}{'CPU s':>8}{'(min)':>8}")
    for name, label in (("bare", "bare faster-whisper"), ("dealbot", "dealbot transcribe")):
        print(
            f"  {label:<22}{statistics.median(wall[name]):8.2f}{min(wall[name]):8.2f}"
            f"{statistics.median(cpu[name]):8.2f}{min(cpu[name]):8.2f}"
        )
    ratios = [statistics.median(m["dealbot"]) / statistics.median(m["bare"]) for m in (wall, cpu)]
    print(f"  {'ratio dealbot / bare':<22}{ratios[0]:8.3f}{'':>8}{ratios[1]:8.3f}   (goal <= 1.15)")
    if texts["bare"] != texts["dealbot"]:
        print(f"\n[bare]    {texts['bare']}\n[dealbot] {texts['dealbot']}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
