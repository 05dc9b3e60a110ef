"""Every text a user reads, rendered once from the structured evidence: bilingual, named, masked, safe.

Rules, the pre-loan check and the profile hand over *data* (ids, amounts, paths, arithmetic); this
package turns it into sentences — alert titles and messages (:mod:`api.rendering.alerts`), pre-loan
reasons and the verdict summary (:mod:`api.rendering.reasons`), the loan-file report
(:mod:`api.rendering.report`). One formatter for amounts, percentages and dates
(:mod:`api.rendering.text`), names beside ids (looked up once per response through
:class:`api.repositories.names.NameRepository`), values masked by :func:`api.masking.mask_pii`
before they are written into a sentence (so a masked id is part of the text, never re-derived),
and Markdown metacharacters in users' data escaped, so a client may show every text as Markdown.
"""
