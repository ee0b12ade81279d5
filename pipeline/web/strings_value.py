"""The words of the customer value page, in Russian and English (merged into :data:`pipeline.web.i18n.STRINGS`)."""

STRINGS: dict[str, tuple[str, str]] = {  # key: (ru, en)
    "nav_value": ("Ценность клиентов", "Customer value"),
    "va_by": ("Строки", "Rows"),
    "va_by_tier": ("по уровню ценности", "by value tier"), "va_by_segment": ("по сегменту CRM", "by CRM segment"),
    "va_by_driver": ("по причинам риска", "by driver"),
    "va_window": ("Ответы и контакты: {since} — {until} (дни в часовом поясе площадки, {tz})",
                  "Answers and contacts: {since} to {until} (days in the site's time zone, {tz})"),
    "va_basis": ("Ценность: {basis}", "Value: {basis}"),
    "va_basis_clv": ("CLV из CRM", "the CRM's CLV"), "va_basis_revenue": ("выручка за период из CRM", "the CRM's period revenue"),
    "va_rule": ("Под риском: критики (последняя оценка NPS 0–6), прогноз CSI ниже {low_csi:g}, молчаливо недовольные "
                "посетители окон (не нажали кнопку, ушли недовольными). Каждый клиент учтён один раз.",
                "At risk: detractors (latest NPS answer 0-6), predicted CSI under {low_csi:g}, silent dissatisfied desk "
                "visitors (pressed no button, left dissatisfied). Each customer is counted once."),
    "va_at_risk": ("Ценность под риском", "Value at risk"),
    "va_at_risk_of": ("из {total} ({share})", "of {total} ({share})"),
    "va_customers_at_risk": ("Клиентов под риском", "Customers at risk"),
    "va_of_customers": ("из {n}", "of {n}"),
    "va_detractors": ("Ценность критиков", "Value of detractors"),
    "va_silent": ("Ценность молчаливо недовольных", "Value of silent dissatisfied"),
    "va_low_csi": ("Ценность с низким прогнозом CSI", "Value with low predicted CSI"),
    "va_customers_n": ("клиентов: {n}", "{n} customers"),
    "va_womi": ("WoMI", "WoMI"),
    "va_womi_note": ("WoMI — индекс сарафанного радио: NPS за вычетом тех, кто стал бы отговаривать (нужен вопрос "
                     "discourage в опросе; «—», если его не задавали).",
                     "WoMI, the word-of-mouth index: NPS less those who would actively discourage others (needs the "
                     "survey's discourage question; \"—\" where it was not asked)."),
    "va_chart_groups": ("Ценность под риском: {by}", "Value at risk {by}"),
    "va_chart_drivers": ("Ценность под риском по причинам", "Value at risk behind each driver"),
    "va_unit_money": ("{basis}, валюта CRM", "{basis}, CRM currency"),
    "va_groups": ("Клиентский опыт и ценность: {by}", "CX and value {by}"),
    "va_drivers": ("За чем стоит ценность под риском", "What the value at risk sits behind"),
    "va_drivers_note": ("Клиент с двумя причинами учтён в обеих: строки не складываются в итог.",
                        "A customer with two drivers counts under both, so the rows do not add up to the total."),
    "va_no_drivers": ("У клиентов под риском нет ни причин в опросах, ни невыполненных пунктов, ни тегов фраз",
                      "No reason, failed checklist item or phrase tag seen on the customers at risk"),
    "va_empty": ("Ценность клиентов ещё не загружена. Загрузите выгрузку из CRM командой "
                 "<code>cxmon value import FILE</code> (файл NAME.customer-value.csv или .jsonl: customer, revenue, "
                 "as_of и при желании tenure_months, products, clv, segment) и обновите страницу.",
                 "No customer value is imported yet. Import the CRM's file with <code>cxmon value import FILE</code> "
                 "(NAME.customer-value.csv or .jsonl: customer, revenue, as_of and optionally tenure_months, products, "
                 "clv, segment), then reload this page."),
    "va_col_customers": ("Клиенты", "Customers"), "va_col_value": ("Ценность", "Value"),
    "va_col_contacts": ("Контакты", "Contacts"), "va_col_csat": ("CSAT, %", "CSAT, %"),
    "va_col_csi": ("Прогноз CSI", "Predicted CSI"),
    "va_col_detractors": ("Критики", "Detractors"), "va_col_low_csi": ("Низкий CSI", "Low CSI"),
    "va_col_silent": ("Молча недовольны", "Silent dissatisfied"),
    "va_col_at_risk": ("Под риском", "At risk"), "va_col_value_at_risk": ("Ценность под риском", "Value at risk"),
    "va_col_share": ("Доля", "Share"), "va_col_share_of_risk": ("Доля риска", "Share of at risk"),
    "va_col_driver": ("Причина", "Driver"), "va_col_kind": ("Вид", "Kind"),
    "va_kind_reason": ("опрос", "survey reason"), "va_kind_checklist": ("чек-лист", "checklist"),
    "va_kind_tag": ("фраза", "phrase tag"),
    "va_tier_top": ("верхний", "top"), "va_tier_middle": ("средний", "middle"), "va_tier_bottom": ("нижний", "bottom"),
    "va_all": ("все", "all"), "va_no_segment": ("без сегмента", "no segment"),
}
