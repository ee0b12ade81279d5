"""The words of the mystery shopper page, in Russian and English (merged into :data:`pipeline.web.i18n.STRINGS`)."""

STRINGS: dict[str, tuple[str, str]] = {  # key: (ru, en)
    "nav_mystery": ("Тайный покупатель", "Mystery shoppers"),
    "my_intro": (("Оценки тайных покупателей по тем же чек-листам рядом с автоматическими оценками и оценками "
                  "проверяющих тех же операторов за тот же период; цифры те же, что в «cxmon report mystery». "
                  "В показатели контроля качества оценки покупателей не входят."),
                 ("Mystery shoppers' evaluations against the same checklists, beside the automatic and reviewer "
                  "scores of the same operators in the same period; the same numbers as `cxmon report mystery`. "
                  "Shoppers' scores never enter the QA figures.")),
    "my_team_only": ("Показаны оценки команды {team}.", "Showing team {team}'s evaluations."),
    "my_threshold": ("Порог расхождения, баллов", "Disagreement over, points"),
    "my_window": ("Визиты и контакты: {since} — {until} (дни в часовом поясе площадки, {tz})",
                  "Visits and contacts: {since} to {until} (days in the site's time zone, {tz})"),
    "my_visits": ("Визитов", "Visits"),
    "my_operators": ("Операторов оценено", "Operators evaluated"),
    "my_disagree_operators": ("Расходятся с автоматикой", "Disagree with automatic"),
    "my_disagree_items": ("Пунктов с расхождением", "Items that disagree"),
    "my_of": ("из {n}", "of {n}"),
    "my_matched": ("Визитов со своим контактом", "Visits with their own contact"),
    "my_disagree_rule": ("расхождение: тайный покупатель и автоматика дальше {points:g} баллов из 100",
                         "disagreement: mystery and automatic more than {points:g} points of 100 apart"),
    "my_chart": ("Оценка формы по источникам", "Form score by source"),
    "my_unit_points": ("баллы 0–100", "points 0-100"),
    "my_src_mystery": ("тайный покупатель", "mystery"), "my_src_automatic": ("автоматика", "automatic"),
    "my_src_reviewer": ("проверяющий", "reviewer"),
    "my_by_operator": ("По операторам и чек-листам", "By operator and checklist"),
    "my_by_item": ("Пункты, где покупатель и автоматика расходятся", "Items where shopper and automatic disagree"),
    "my_no_item_disagrees": ("Ни один пункт не расходится больше порога.", "No item disagrees by more than the threshold."),
    "my_by_visit": ("Визиты, чей контакт есть в системе", "Visits whose own contact is in the store"),
    "my_list": ("Оценки", "Evaluations"),
    "my_col_operator": ("Оператор", "Operator"), "my_col_checklist": ("Чек-лист", "Checklist"),
    "my_col_item": ("Пункт", "Item"), "my_col_visits": ("Визитов", "Visits"),
    "my_col_mystery": ("Покупатель", "Mystery"), "my_col_contacts": ("Контактов", "Contacts"),
    "my_col_automatic": ("Автоматика", "Automatic"), "my_col_reviewed": ("Проверено", "Reviewed"),
    "my_col_reviewer": ("Проверяющий", "Reviewer"), "my_col_gap_automatic": ("Разница с автоматикой", "Gap automatic"),
    "my_col_gap_reviewer": ("Разница с проверяющим", "Gap reviewer"), "my_col_flag": ("Расхождение", "Disagrees"),
    "my_col_answers": ("Ответов", "Answers"), "my_col_contact": ("Контакт", "Contact"),
    "my_col_at": ("Дата", "Date"), "my_col_shopper": ("Покупатель", "Shopper"), "my_col_channel": ("Канал", "Channel"),
    "my_col_score": ("Оценка", "Score"), "my_col_comment": ("Комментарий покупателя", "Shopper's comment"),
    "my_flag": ("да", "yes"),
    "my_gap_note": ("Разница — оценка покупателя минус другая: минус значит, что покупатель увидел хуже.",
                    "A gap is the shopper's score minus the other: negative means the shopper saw worse."),
    "my_not_configured": ("Не показаны оценки по чек-листам, которых больше нет: {names}",
                          "Left out: evaluations of checklists no longer configured: {names}"),
    "my_empty": (("Оценок тайных покупателей за этот период нет. Загрузите файл: "
                  "<code>cxmon mystery import NAME.mystery.csv</code>, или отправьте оценку в <code>POST /api/mystery</code>."),
                 ("No mystery shopper evaluation in this period. Import a file with "
                  "<code>cxmon mystery import NAME.mystery.csv</code>, or post one to <code>POST /api/mystery</code>.")),
}
