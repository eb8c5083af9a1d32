from senas.content.text import like_pattern, normalise, search_text, slugify


def test_normalise_drops_accents_and_case() -> None:
    assert normalise("Señas") == "senas"
    assert normalise("  MAMÁ   Papá ") == "mama papa"
    assert normalise("Straße") == "strasse"  # casefold, not lower
    assert normalise(None) == ""


def test_slugify_is_url_safe_and_never_empty() -> None:
    assert slugify("Lección 1: ¡Hola, señas!") == "leccion-1-hola-senas"
    assert slugify("¡¿?!") == "item"
    assert len(slugify("a" * 500)) <= 80


def test_search_text_joins_normalised_parts() -> None:
    assert search_text("SEÑAS", "Señas", None, "Comunicación") == "senas | senas | comunicacion"


def test_like_pattern_escapes_wildcards() -> None:
    assert like_pattern("50%_a\\") == "%50\\%\\_a\\\\%"


def test_fingerspelling_keeps_enye_and_drops_accents() -> None:
    from senas.content.text import fingerspelling_letters, letter_key

    assert fingerspelling_letters("Café con leche") == list("cafeconleche")
    assert fingerspelling_letters("Ñandú") == ["ñ", "a", "n", "d", "u"]
    assert letter_key("Ñ") == "ñ"
    assert letter_key("A") == "a"
