package dev.palisade.dpi.rules;

import java.util.Locale;
import java.util.Map;

/**
 * Where a content or pcre looks: the packet or stream payload, or a buffer the HTTP/1.x parser fills. Suricata names
 * them as content modifiers ({@code http_uri}) or sticky buffers ({@code http.uri}), Snort 3 as sticky buffers
 * ({@code http_uri}); all map here.
 */
public enum Buffer
{
    PAYLOAD,
    HTTP_URI,
    HTTP_RAW_URI,
    HTTP_METHOD,
    HTTP_HEADER,
    HTTP_RAW_HEADER,
    HTTP_COOKIE,
    HTTP_USER_AGENT,
    HTTP_HOST,
    HTTP_CLIENT_BODY,
    HTTP_STAT_CODE,
    HTTP_STAT_MSG,
    FILE_DATA;

    /** Names in either language, including Suricata's dotted sticky forms. */
    private static final Map<String, Buffer> NAMES = Map.ofEntries(
        Map.entry("pkt_data", PAYLOAD),
        Map.entry("http_uri", HTTP_URI), Map.entry("http.uri", HTTP_URI),
        Map.entry("http_raw_uri", HTTP_RAW_URI), Map.entry("http.uri.raw", HTTP_RAW_URI),
        Map.entry("http_method", HTTP_METHOD), Map.entry("http.method", HTTP_METHOD),
        Map.entry("http_header", HTTP_HEADER), Map.entry("http.header", HTTP_HEADER),
        Map.entry("http_raw_header", HTTP_RAW_HEADER), Map.entry("http.header.raw", HTTP_RAW_HEADER),
        Map.entry("http_cookie", HTTP_COOKIE), Map.entry("http.cookie", HTTP_COOKIE),
        Map.entry("http_user_agent", HTTP_USER_AGENT), Map.entry("http.user_agent", HTTP_USER_AGENT),
        Map.entry("http_host", HTTP_HOST), Map.entry("http.host", HTTP_HOST),
        Map.entry("http_client_body", HTTP_CLIENT_BODY), Map.entry("http.request_body", HTTP_CLIENT_BODY),
        Map.entry("http_stat_code", HTTP_STAT_CODE), Map.entry("http.stat_code", HTTP_STAT_CODE),
        Map.entry("http_stat_msg", HTTP_STAT_MSG), Map.entry("http.stat_msg", HTTP_STAT_MSG),
        Map.entry("file_data", FILE_DATA), Map.entry("file.data", FILE_DATA), Map.entry("http.response_body", FILE_DATA));

    /** @return the buffer of a keyword, or null when the keyword names none. */
    public static Buffer byKeyword(final String keyword)
    {
        return NAMES.get(keyword.toLowerCase(Locale.ROOT));
    }

    public boolean isHttp()
    {
        return this != PAYLOAD;
    }
}
