"""Full call analysis vs plain faster-whisper transcription of both channels, same call, same model.

    .venv/bin/python bench/speed.py                  # a built 2-minute English stereo call
    .venv/bin/python bench/speed.py --language ru    # the same conversation in Russian
    .venv/bin/python bench/speed.py --file CALL.wav --language en --repeat 3

Both sides run in this process with the model already loaded, each timed ``--repeat`` times
(the median counts). "Plain" is what a speech-analytics box without cxmon's stages would do:
transcribe each whole channel with faster-whisper in its strongest plain configuration (its own VAD,
word timestamps, beam 5). For the batch figure (20 calls, ``cxmon process``) see ``batch_speed.py``. "cxmon" is everything the ``call`` stage does: resampling, VAD,
IVR/queue/hold detection, ASR of speech only, turns, features, voice features.
It also times ``cxmon analyze`` as a user runs it (a new process: imports and model load included).
"""

from __future__ import annotations

import argparse
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np


CONVERSATION = {
    "en": [
        ("agent", "Thank you for calling Example Bank, my name is Kate. How can I help you today?"),
        ("customer", "Hello, I tried to pay for groceries this morning and my card was declined twice."),
        ("agent", "I am sorry to hear that. Could you tell me the last four digits of the card?"),
        ("customer", "Yes, it ends in four five one two."),
        ("agent", "Thank you. I can see two attempts at a supermarket at nine in the morning."),
        ("agent", "The payments were stopped by our fraud filter because the amount was unusual."),
        ("customer", "That is strange, I buy food there every week and it was only sixty pounds."),
        ("agent", "I understand. Let me check whether the block can be lifted right now."),
        ("hold", "6"),
        ("agent", "Thank you for waiting. I have removed the block and marked the shop as trusted."),
        ("customer", "Great. Will I get a message if this happens again?"),
        ("agent", "Yes, from today you will receive a text message and can confirm the payment yourself."),
        ("customer", "And what about the interest on my credit card, why did it go up last month?"),
        ("agent", "The promotional rate ended in October, so the standard rate applies now."),
        ("customer", "Nobody told me about that. I am not happy with this at all."),
        ("agent", "I see. I can offer you a payment plan with a lower rate for the next six months."),
        ("customer", "How much would I pay each month with that plan?"),
        ("agent", "About one hundred and twenty pounds, and there is no fee for joining the plan."),
        ("customer", "All right, please set it up for me."),
        ("agent", "Done. You will get the details by email within an hour. Anything else I can help with?"),
        ("customer", "No, that is everything. Thank you for your help."),
        ("agent", "You are welcome. Have a nice day and goodbye."),
    ],
    "ru": [
        ("agent", "Банк Пример, меня зовут Анна. Чем могу помочь?"),
        ("customer", "Здравствуйте. Сегодня утром у меня дважды не прошла оплата картой в магазине."),
        ("agent", "Сожалею. Назовите, пожалуйста, последние четыре цифры карты."),
        ("customer", "Четыре пять один два."),
        ("agent", "Спасибо. Я вижу две попытки оплаты в супермаркете в девять утра."),
        ("agent", "Платежи остановил наш антифрод, потому что сумма показалась необычной."),
        ("customer", "Странно, я покупаю там продукты каждую неделю, и сумма была небольшая."),
        ("agent", "Понимаю. Сейчас проверю, можно ли снять ограничение."),
        ("hold", "6"),
        ("agent", "Спасибо за ожидание. Я сняла ограничение и отметила магазин как надёжный."),
        ("customer", "Отлично. А если это повторится, мне придёт сообщение?"),
        ("agent", "Да, теперь вам будет приходить смс, и вы сможете сами подтвердить платёж."),
        ("customer", "И ещё, почему в прошлом месяце выросли проценты по кредитной карте?"),
        ("agent", "В октябре закончилась акция, и теперь действует обычная ставка."),
        ("customer", "Меня об этом никто не предупредил. Я очень недоволен."),
        ("agent", "Понимаю вас. Могу предложить план погашения с пониженной ставкой на полгода."),
        ("customer", "Сколько я буду платить в месяц по этому плану?"),
        ("agent", "Около двенадцати тысяч рублей, и за подключение плана комиссии нет."),
        ("customer", "Хорошо, подключите, пожалуйста."),
        ("agent", "Готово. Подробности придут на почту в течение часа. Могу ещё чем-нибудь помочь?"),
        ("customer", "Нет, это всё. Спасибо за помощь."),
        ("agent", "Пожалуйста. Хорошего дня, до свидания."),
    ],
}


def _built_call(language: str) -> tuple[np.ndarray, int]:
    """A two-minute stereo call at 8 kHz, no line said twice (repeats would skew Whisper)."""
    from pipeline.cli.demo_set import CallScript, build_call

    script = CallScript(name="bench", language=language, rate_hz=8000, stereo=True, lines=CONVERSATION[language])
    samples, _ = build_call(script)
    return samples, script.rate_hz


def _timed(function, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        started = time.perf_counter()
        function()
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--file", type=Path, help="a stereo call recording (default: a built demo call)")
    parser.add_argument("--language", default="en", choices=["ru", "en"])
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    import soundfile as sf

    from pipeline.calls.analyze import analyze_call
    from pipeline.settings import Settings
    from pipeline.calls.speech_models import transcriber_for
    from pipeline.speech.vad import to_16k
    from pipeline.speech.whisper_model import load_whisper

    if args.file:
        samples, rate = sf.read(args.file, dtype="float32", always_2d=True)
    else:
        samples, rate = _built_call(args.language)
    if samples.shape[1] != 2:
        sys.exit(f"{args.file}: {samples.shape[1]} channels; the benchmark compares the two legs of a stereo call")
    duration_s = len(samples) / rate
    settings = Settings(language=args.language)
    model = load_whisper(settings.whisper_model, compute_type=settings.whisper_compute_type)
    transcribe = transcriber_for(settings)

    def plain() -> None:
        for channel in range(2):
            segments, _ = model.transcribe(to_16k(samples[:, channel], rate), language=args.language, beam_size=5,
                                           vad_filter=True, word_timestamps=True)
            list(segments)

    def cxmon() -> None:
        analyze_call(samples, rate, events=[], channel_map={"left": "agent", "right": "customer"},
                     transcribe=transcribe, diarize=None, language=args.language)

    plain_s = _timed(plain, args.repeat)
    cxmon_s = _timed(cxmon, args.repeat)

    with tempfile.TemporaryDirectory() as home:
        path = Path(home) / "call.wav"
        sf.write(path, samples, rate)
        started = time.perf_counter()
        subprocess.run([sys.executable, "-m", "pipeline.cli", "analyze", str(path), "--language", args.language,
                        "--json"], check=True, capture_output=True, env={**os.environ, "CXMON_HOME": home})
        cli_s = time.perf_counter() - started

    print(f"machine: {platform.processor() or platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}")
    print(f"call: {duration_s:.1f} s stereo at {rate} Hz, language {args.language}, model {settings.whisper_model} "
          f"({settings.whisper_compute_type}), median of {args.repeat}")
    print(f"plain faster-whisper, both channels:  {plain_s:6.2f} s  (RTF {plain_s / duration_s:.3f}; VAD, word timestamps)")
    print(f"cxmon call analysis:                  {cxmon_s:6.2f} s  (RTF {cxmon_s / duration_s:.3f})")
    print(f"ratio cxmon / plain:                  {cxmon_s / plain_s:6.2f}  (target <= 0.80)")
    print(f"`cxmon analyze` in a new process:     {cli_s:6.2f} s  (imports and model load included)")


if __name__ == "__main__":
    main()
