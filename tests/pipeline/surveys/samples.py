"""Survey and consent files as a Russian bank's survey platform and CRM export them."""

from __future__ import annotations

import json

# cp1251, ";" separated (Russian Excel). Line 4 holds a quoted text with a ";" and a line break,
# so the rows after it start one physical line later than their row number.
SURVEYS_CSV = (
    "customer_id;channel;sent_at;contact_id;operator_id;team;answered_at;csat;nps;ces;text;reason\r\n"
    "cust-1042;sms;2026-11-20T10:40:00+03:00;;op-17;cards;2026-11-20T11:02:00+03:00;2;3;;"
    "Оператор не знал, как разблокировать карту;Employee_not_prepared\r\n"                     # line 2
    "cust-2001;sms;2026-11-20T12:10:00+03:00;;op-17;cards;;;;;;\r\n"                          # line 3: no answer
    "cust-3003;chat-bot;2026-11-20T13:00:00+03:00;CALL3003;;;2026-11-20T13:05:00+03:00;5;10;2;"
    "\"Всё отлично; спасибо!\r\nБыстро решили\";\r\n"                                           # lines 4-5
    "cust-4004;sms;2026-11-20T14:00:00+03:00;;op-21;loans;2026-11-20T14:30:00+03:00;;;;СТОП;\r\n"  # line 6: STOP
    "cust-5005;sms;2026-11-20 15:00;;op-17;cards;;;;;;\r\n"                                   # line 7: no offset
    "cust-6006;sms;2026-11-20T16:00:00+03:00;;op-17;cards;2026-11-20T16:10:00+03:00;7;;;;\r\n"  # line 8: csat 7
)

SURVEYS_JSONL_ROWS = [
    {"customer_id": "cust-7007", "channel": "web", "sent_at": "2026-11-21T09:00:00Z", "operator_id": "op-21",
     "team": "loans", "invitation_id": "inv-7007", "answered_at": "2026-11-21T09:20:00Z", "nps": 9,
     "text": "good", "reason": None},
    {"customer_id": "cust-8008", "channel": "web", "sent_at": "2026-11-21T09:05:00Z", "operator_id": "op-21"},
    "not an object",
    {"customer_id": "cust-9009", "channel": "web", "sent_at": "2026-11-21T09:10:00Z",
     "answered_at": "2026-11-21T09:00:00Z", "ces": 3},
    {"customer_id": "cust-9010", "channel": "web", "sent_at": "2026-11-21T09:15:00Z",
     "answered_at": "2026-11-21T09:30:00Z", "ces": 6, "reason": "late"},
]


def surveys_jsonl() -> str:
    return "".join(json.dumps(row, ensure_ascii=False) + "\n" for row in SURVEYS_JSONL_ROWS)


CONSENTS_CSV = (
    "customer_id,granted,at,channel,source\n"
    "cust-1042,yes,2026-11-01T09:00:00+03:00,web,online banking\n"
    "cust-3003,1,2026-11-01T09:00:00+03:00,branch,paper form\n"
    "cust-4004,да,2026-11-01T09:00:00+03:00,sms,\n"
    "cust-7007,true,2026-11-01T09:00:00+03:00,web,online banking\n"
    "cust-9010,no,2026-11-01T09:00:00+03:00,web,online banking\n"
    "cust-bad,maybe,2026-11-01T09:00:00+03:00,web,online banking\n"                          # line 7
)
