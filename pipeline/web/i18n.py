"""Every word the web pages show, in Russian and English: the common words here, each workspace part's
in its own ``strings_<part>.py`` (merged into :data:`STRINGS`; a key defined twice is an error).

A page's language is the user's (``User.language``), unless the address says otherwise (``?lang=en``);
before sign-in it is the browser's first choice that cxmon speaks (``Accept-Language``), else Russian.
A key missing from the catalog is a bug, so :func:`text` fails loudly rather than show the key.
"""

from __future__ import annotations

from pipeline.web import (strings_coaching, strings_dashboard, strings_feedback, strings_mystery, strings_operator,
                          strings_reviews, strings_value)

LANGUAGES = ("ru", "en")
DEFAULT_LANGUAGE = "ru"

STRINGS: dict[str, tuple[str, str]] = {  # key: (ru, en)
    "app": ("cxmon — рабочее место контроля качества", "cxmon — the QA workspace"),
    "signin": ("Вход", "Sign in"),
    "signout": ("Выйти", "Sign out"),
    "name": ("Имя", "Name"),
    "password": ("Пароль", "Password"),
    "signin_failed": ("Неверное имя или пароль", "Wrong name or password"),
    "signin_limited": ("Слишком много неудачных попыток входа. Попробуйте снова через {minutes} мин.",
                       "Too many failed sign-ins. Try again in {minutes} min."),
    "queue": ("Очередь проверки", "Review queue"),
    "queue_counts": ("В очереди: {n}; с риском: {risky}; случайных: {random}; ждут проверки всего: {waiting}",
                     "In the queue: {n}; risky: {risky}; random: {random}; waiting for review in all: {waiting}"),
    "queue_empty": ("Проверять нечего", "Nothing to review"),
    "contact": ("Контакт", "Contact"),
    "contacts": ("Контакты", "Contacts"),
    "contacts_counts": ("Показано: {n} из {total}", "Shown: {n} of {total}"),
    "channel": ("Канал", "Channel"),
    "operator": ("Оператор", "Operator"),
    "team": ("Команда", "Team"),
    "started": ("Начало", "Started"),
    "reason": ("Причина", "Reason"),
    "csi": ("CSI (прогноз)", "CSI (predicted)"),
    "csi_reasons": ("Почему такой CSI", "Why this CSI"),
    "alarms": ("Тревоги", "Alarms"),
    "call": ("звонок", "call"), "chat": ("чат", "chat"), "desk": ("визит", "desk visit"),
    "reason_alarm": ("тревога", "alarm"), "reason_pending": ("ждёт решения", "pending"),
    "reason_low_csi": ("низкий CSI", "low CSI"), "reason_negative": ("негатив клиента", "negative customer"),
    "reason_random": ("случайная выборка", "random sample"),
    "audio": ("Запись", "Recording"),
    "no_audio": ("Записи нет", "No recording"),
    "waveform": ("Волна обоих каналов", "Both channels' waveform"),
    "transcript": ("Расшифровка", "Transcript"),
    "messages": ("Сообщения", "Messages"),
    "visits": ("Визиты", "Visits"),
    "timeline": ("Ход звонка", "Call timeline"),
    "tl_ivr": ("IVR", "IVR"), "tl_queue": ("очередь", "queue"), "tl_hold": ("удержание", "hold"),
    "tl_silence": ("тишина", "silence"), "tl_overlap": ("одновременная речь", "overlap"),
    "tl_interruption": ("перебивание", "interruption"),
    "features": ("Признаки", "Features"),
    "checklist": ("Чек-лист", "Checklist"),
    "item": ("Пункт", "Item"), "value": ("Ответ", "Answer"), "state": ("Состояние", "State"),
    "evidence": ("Доказательства", "Evidence"),
    "not_applicable": ("неприменимо", "not applicable"),
    "confirm": ("Подтвердить", "Confirm"),
    "override": ("Исправить", "Override"),
    "comment": ("Комментарий", "Comment"),
    "acknowledge": ("Принять", "Acknowledge"),
    "dispute": ("Оспорить", "Dispute"),
    "comment_required": ("Нужен комментарий", "A comment is required"),
    "history": ("История проверки", "Review history"),
    "no_history": ("Пока никто не проверял", "Nobody has reviewed it yet"),
    "when": ("Когда", "When"), "who": ("Кто", "Who"), "action": ("Действие", "Action"),
    "speaker_agent": ("Оператор", "Agent"), "speaker_customer": ("Клиент", "Customer"),
    "speaker_ivr": ("IVR", "IVR"), "speaker_bot": ("Бот", "Bot"), "speaker_unknown": ("?", "?"),
    "not_found": ("Не найдено", "Not found"),
    "not_found_text": ("Такой страницы нет или у вас нет к ней доступа.",
                       "There is no such page, or you have no access to it."),
    "back_home": ("На главную", "Back to the start"),
    "saved": ("Сохранено", "Saved"),
    "refused": ("Отклонено", "Refused"),
    "language": ("English", "Русский"),
    "arrived": ("Пришёл, с", "Arrived, s"), "left": ("Ушёл, с", "Left, s"), "rating": ("Оценка", "Rating"),
    "dwell": ("У окна, с", "At the desk, s"), "wait": ("Ждал, с", "Waited, s"),
    "end_emotion": ("Эмоция в конце", "Emotion at the end"), "negative_share": ("Доля негатива", "Negative share"),
    "seconds": ("с", "s"),
    "nav_disputes": ("Споры", "Disputes"), "nav_calibration": ("Калибровка", "Calibration"),
    "nav_me": ("Моя работа", "My work"), "nav_dashboard": ("Сводка", "Dashboard"),
    "nav_coaching": ("Обучение", "Coaching"),
    "export_csv": ("Скачать CSV", "Download CSV"), "export_xlsx": ("Скачать XLSX", "Download XLSX"),
}



def _merged(common: dict[str, tuple[str, str]], *parts) -> dict[str, tuple[str, str]]:
    merged = dict(common)
    for part in parts:
        twice = sorted(set(merged) & set(part.STRINGS))
        if twice:
            raise ValueError(f"web strings defined twice ({part.__name__}): {', '.join(twice)}")
        merged.update(part.STRINGS)
    return merged


STRINGS = _merged(STRINGS, strings_reviews, strings_operator, strings_dashboard, strings_coaching, strings_feedback,
                  strings_value, strings_mystery)


def language_of(query_lang: str | None, user_language: str | None, accept_language: str | None = None) -> str:
    """The page's language: ``?lang=`` if cxmon speaks it, else the user's, else the browser's, else Russian.

    >>> language_of("en", "ru"), language_of("xx", "en"), language_of(None, None, "en-GB,en;q=0.8")
    ('en', 'en', 'en')
    """
    for choice in (query_lang, user_language):
        if choice in LANGUAGES:
            return choice
    for part in (accept_language or "").split(","):
        tag = part.split(";")[0].strip().lower()[:2]
        if tag in LANGUAGES:
            return tag
    return DEFAULT_LANGUAGE


def text(key: str, language: str, **values: object) -> str:
    """The string ``key`` in ``language``, with ``{name}`` filled from ``values``.

    >>> text("queue", "en"), text("queue_empty", "ru")
    ('Review queue', 'Проверять нечего')
    """
    if key not in STRINGS:
        raise KeyError(f"no web string {key!r} in pipeline/web/i18n.py")
    string = STRINGS[key][LANGUAGES.index(language)]
    return string.format(**values) if values else string


def translator(language: str):
    """``t(key, **values)`` for templates, bound to one language."""
    if language not in LANGUAGES:
        raise ValueError(f"language={language!r}; expected one of {', '.join(LANGUAGES)}")
    return lambda key, **values: text(key, language, **values)
