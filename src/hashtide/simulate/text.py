"""Synthetic post text: a few neutral words of the author's language, then the hashtags.

Texts are made up from small word lists (no real post is copied); they are a pure function of a
32-bit seed, so a post's text can be written again whenever another post embeds it.

>>> compose_body("en", 12345) == compose_body("en", 12345)
True
>>> text, spans = with_tags("hello", ["MeToo", "YoTambién"])
>>> text, spans
('hello #MeToo #YoTambién', [(6, 12, 'MeToo'), (13, 23, 'YoTambién')])
"""

from __future__ import annotations

_WORDS = {
    "en": "today again really this story all of us we listen share voices hear heard time now here matters stand together everyone speak up thank you brave friends".split(),
    "fr": "aujourd'hui encore vraiment cette histoire nous tous écoute partager voix entendre temps maintenant ici compte ensemble parler merci courage amies".split(),
    "it": "oggi ancora davvero questa storia noi tutti ascoltare condividere voce sentire tempo adesso qui conta insieme parlare grazie coraggio amiche".split(),
    "es": "hoy otra vez realmente esta historia nosotros todas escuchar compartir voces oír tiempo ahora aquí importa juntas hablar gracias valientes amigas".split(),
    "de": "heute wieder wirklich diese geschichte wir alle zuhören teilen stimmen hören zeit jetzt hier zählt zusammen sprechen danke mutig freundinnen".split(),
    "pt": "hoje de novo realmente esta história nós todas ouvir partilhar vozes escutar tempo agora aqui importa juntas falar obrigada coragem amigas".split(),
    "ja": "今日 また 本当に この 話 私たち みんな 聞く 共有 声 時間 今 ここ 大切 一緒に 話す ありがとう 勇気".split(),
    "ko": "오늘 다시 정말 이 이야기 우리 모두 듣다 나누다 목소리 시간 지금 여기 중요 함께 말하다 고마워요 용기".split(),
    "sv": "idag igen verkligen denna historia vi alla lyssna dela röster höra tid nu här spelar roll tillsammans tala tack modiga".split(),
    "nl": "vandaag weer echt dit verhaal wij allemaal luisteren delen stemmen horen tijd nu hier telt samen spreken dank dapper".split(),
    "hi": "आज फिर सच में यह कहानी हम सब सुनो साझा आवाज़ समय अब यहाँ ज़रूरी साथ बोलो धन्यवाद हिम्मत".split(),
    "tl": "ngayon muli talaga itong kwento tayo lahat makinig ibahagi boses oras dito mahalaga sama-sama magsalita salamat tapang".split(),
    "tr": "bugün yine gerçekten bu hikaye biz hepimiz dinle paylaş sesler duy zaman şimdi burada önemli birlikte konuş teşekkürler cesur".split(),
}
_MASK = (1 << 64) - 1


_BODIES = 1024
_bodies: dict[str, list[str]] = {}


def compose_body(lang: str, seed: int) -> str:
    """Four to eleven words of ``lang`` chosen by ``seed``: one of 1,024 sentences per language,
    made once (writing is the hot loop; a text is a lookup)."""
    bodies = _bodies.get(lang)
    if bodies is None:
        bodies = _bodies[lang] = [_sentence(lang, k * 2654435761 + 12345) for k in range(_BODIES)]
    return bodies[seed % _BODIES]


def _sentence(lang: str, seed: int) -> str:
    """Four to eleven words of ``lang`` chosen by ``seed`` (a 64-bit LCG, Knuth's MMIX constants)."""
    words = _WORDS.get(lang) or _WORDS["en"]
    x = seed & _MASK
    n = 4 + seed % 8
    out = []
    for _ in range(n):
        x = (x * 6364136223846793005 + 1442695040888963407) & _MASK
        out.append(words[(x >> 33) % len(words)])
    return " ".join(out)


def with_tags(body: str, forms: list[str]) -> tuple[str, list[tuple[int, int, str]]]:
    """``body`` followed by ``#form`` for each form, and each tag's (start, end, form) in code
    points, '#' included (Twitter's entity indices)."""
    text = body
    spans = []
    for form in forms:
        text += " "
        start = len(text)
        text += "#" + form
        spans.append((start, len(text), form))
    return text, spans


def utf8_spans(text: str, spans: list[tuple[int, int, str]]) -> list[tuple[int, int, str]]:
    """Code-point spans turned into UTF-8 byte spans (Bluesky facets index bytes)."""
    return [(len(text[:s].encode()), len(text[:e].encode()), form) for s, e, form in spans]


STEADY_TAGS = (
    "news", "music", "love", "photography", "art", "travel", "food", "football", "nature", "fashion",
    "tech", "movies", "books", "gaming", "fitness", "health", "science", "politics", "weather", "business",
)
_SYLLABLES_A = ("sun", "moon", "star", "sea", "city", "road", "home", "garden", "coffee", "cat", "dog",
                "night", "rain", "snow", "film", "song", "dance", "code", "bike", "run", "cook", "read")
_SYLLABLES_B = ("life", "lover", "day", "time", "vibes", "goals", "club", "talk", "world", "shots",
                "lab", "notes", "squad", "spot", "story", "pics", "fans", "week", "mood", "craft")


def vocabulary(size: int) -> list[str]:
    """Background hashtags by popularity rank: the steady everyday tags first, then made-up
    compounds (``sunlife``, ``moonday`` ... then with a number)."""
    tags = list(STEADY_TAGS[:size])
    n = 0
    while len(tags) < size:
        a = _SYLLABLES_A[n % len(_SYLLABLES_A)]
        b = _SYLLABLES_B[(n // len(_SYLLABLES_A)) % len(_SYLLABLES_B)]
        round_ = n // (len(_SYLLABLES_A) * len(_SYLLABLES_B))
        tags.append(f"{a}{b}{round_ if round_ else ''}")
        n += 1
    return tags
