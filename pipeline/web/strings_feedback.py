"""The words of the feedback page, in Russian and English (merged into :data:`pipeline.web.i18n.STRINGS`)."""

STRINGS: dict[str, tuple[str, str]] = {  # key: (ru, en)
    "nav_feedback": ("Отзывы", "Feedback"),
    "fb_intro": (("Что пишут клиенты (комментарии опросов, негативные сообщения в чатах, комментарии кнопки "
                  "отзыва), по темам и тону; цифры те же, что в «cxmon report feedback»."),
                 ("What customers write (survey comments, negative chat messages, feedback-button comments), by "
                  "topic and tone; the same numbers as `cxmon report feedback`.")),
    "fb_team_only": ("Показаны отзывы команды {team}.", "Showing team {team}'s feedback."),
    "fb_by": ("Строки", "Rows"),
    "fb_by_category": ("по категориям", "by category"), "fb_by_subcategory": ("по подкатегориям", "by subcategory"),
    "fb_by_source": ("по источникам", "by source"),
    "fb_source": ("Источник", "Source"),
    "fb_src_survey": ("опрос", "survey"), "fb_src_chat": ("чат", "chat"),
    "fb_src_desk": ("кнопка отзыва", "desk button"),
    "fb_items": ("Отзывов", "Texts"),
    "fb_hidden_complaints": ("Жалобы при хороших оценках", "Complaints inside good scores"),
    "fb_hidden_praise": ("Похвала при низких оценках", "Praise inside low scores"),
    "fb_of_scored": ("из {n} с такой оценкой ({share})", "of {n} so scored ({share})"),
    "fb_no_items": (("Отзывов за этот период нет. Их сортирует «cxmon feedback classify» после загрузки опросов, "
                     "чатов или событий кнопки отзыва."),
                    ("No sorted feedback in this period: `cxmon feedback classify` sorts it after surveys, chats "
                     "or desk events are imported.")),
    "fb_chart": ("Темы по оценке и тону", "Topics per score band and tone"),
    "fb_unit_texts": ("отзывы", "texts"),
    "fb_chart_note": (("Столбец — полоса оценки (NPS 0–6 / 7–8 / 9–10, CSAT 1–3 / 4 / 5) и тон: − жалоба, "
                       "+ похвала, ○ нейтрально."),
                      ("A bar is a score band (NPS 0-6 / 7-8 / 9-10, CSAT 1-3 / 4 / 5) and a tone: − complaint, "
                       "+ praise, ○ neutral.")),
    "fb_rows_by_category": ("По категориям", "By category"),
    "fb_rows_by_subcategory": ("По подкатегориям", "By subcategory"),
    "fb_rows_by_source": ("По источникам", "By source"),
    "fb_real_picture": ("Реальная картина: оценка × тон × тема", "The real picture: score band × tone × topic"),
    "fb_real_picture_note": (("Красным — жалобы при NPS 7–10 или CSAT 4–5, зелёным — похвала при NPS 0–6 "
                              "или CSAT 1–3."),
                             "Red: complaints given with NPS 7-10 or CSAT 4-5; green: praise with NPS 0-6 or CSAT 1-3."),
    "fb_latest_hidden": ("Последние жалобы при хороших оценках", "Latest complaints inside good scores"),
    "fb_no_hidden": ("Таких жалоб нет", "None"),
    "fb_no_score": ("без оценки", "no score"),
    "fb_cat_communication": ("общение", "communication"), "fb_cat_process": ("процесс", "process"),
    "fb_cat_product": ("продукт", "product"), "fb_cat_other": ("другое", "other"),
    "fb_pol_complaint": ("жалоба", "complaint"), "fb_pol_praise": ("похвала", "praise"),
    "fb_pol_neutral": ("нейтрально", "neutral"),
    "fb_col_category": ("Категория", "Category"), "fb_col_subcategory": ("Подкатегория", "Subcategory"),
    "fb_col_source": ("Источник", "Source"), "fb_col_items": ("Отзывов", "Texts"),
    "fb_col_share": ("Доля", "Share"), "fb_col_complaints": ("Жалобы", "Complaints"),
    "fb_col_praise": ("Похвала", "Praise"), "fb_col_neutral": ("Нейтральные", "Neutral"),
    "fb_col_complaint_share": ("Доля жалоб", "Complaint share"), "fb_col_scored": ("С оценкой", "Scored"),
    "fb_col_complaints_in_high_scores": ("Жалобы при хорошей оценке", "Complaints, good score"),
    "fb_col_praise_in_low_scores": ("Похвала при низкой оценке", "Praise, low score"),
    "fb_col_band": ("Оценка", "Score band"), "fb_col_polarity": ("Тон", "Tone"),
    "fb_col_share_of_band": ("Доля в полосе", "Share of band"),
    "fb_col_score": ("Оценка", "Score"), "fb_col_text": ("Текст", "Text"),
}
