"""The few words the PDFs write themselves, in each edition's language.

Everything else in a PDF comes from Sphinx's resolved doctrees, already
in the edition's language (bookbuild.i18n). :func:`use` is called once
per export with the build's ``language``.
"""

WORDS = {
    "en": {
        "book": "The book",
        "book subject": "The whole book: prose, mathematics, code, "
                        "outputs and figures",
        "proofs": "Definitions, theorems and proofs",
        "proofs subject": "Every definition, theorem and proof of the book",
        "proofs kind": "proofs",
        "contents": "Contents",
        "version": "Version ",
        "online": "Online: ",
        "exercise": "Exercise",
        "note": "Note",
        "seealso": "See also",
        "warning": "Warning",
        "tip": "Tip",
        "numbered block": ("numbered block", "numbered blocks"),
        "proof": ("proof", "proofs"),
        "subject version": "version",
        "read online": "Read online: ",
        "part": "Part {0}. ",
        "page of": "page {} of ",
    },
    "ko": {
        "book": "책 전체",
        "book subject": "책 전체: 본문, 수학, 코드, 출력과 그림",
        "proofs": "정의, 정리와 증명",
        "proofs subject": "이 책의 모든 정의, 정리와 증명",
        "proofs kind": "증명",
        "contents": "차례",
        "version": "버전 ",
        "online": "온라인: ",
        "exercise": "연습문제",
        "note": "참고",
        "seealso": "함께 보기",
        "warning": "경고",
        "tip": "도움말",
        "numbered block": ("번호 붙은 블록", "번호 붙은 블록"),
        "proof": ("증명", "증명"),
        "subject version": "버전",
        "read online": "온라인으로 읽기: ",
        "part": "제{1}부. ",
        "page of": "{}쪽 / ",
    },
}
_language = ["en"]


def use(language):
    """Write the PDFs' own words in `language` (English if unknown)."""
    _language[0] = language if language in WORDS else "en"


def word(key):
    return WORDS[_language[0]][key]


def block_name(kind):
    """A numbered block's name ("Theorem"), in sphinx-proof's words for
    the build's language (its catalogue, loaded with the extension)."""
    from sphinx.locale import get_translation

    return get_translation("proof")(kind.title())


def count(n, key):
    """'3 proofs' (or the language's form)."""
    one, many = word(key)
    return f"{n} {one if n == 1 else many}" if _language[0] == "en" \
        else f"{one} {n}개"
