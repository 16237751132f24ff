package dev.palisade.dpi.rules;

import java.util.HashMap;
import java.util.Map;

/**
 * Address and port variables for rule headers ({@code $HOME_NET}, {@code $HTTP_PORTS}), with Suricata's default
 * values; {@link #with} overrides or adds one. Values may refer to other variables.
 */
public final class RuleVariables
{
    private final Map<String, String> values;

    private RuleVariables(final Map<String, String> values)
    {
        this.values = values;
    }

    /** Suricata's suricata.yaml defaults. */
    public static RuleVariables defaults()
    {
        final Map<String, String> v = new HashMap<>();
        v.put("HOME_NET", "[192.168.0.0/16,10.0.0.0/8,172.16.0.0/12]");
        v.put("EXTERNAL_NET", "!$HOME_NET");
        for (final String server : new String[] {"HTTP_SERVERS", "SMTP_SERVERS", "SQL_SERVERS", "DNS_SERVERS",
            "TELNET_SERVERS", "AIM_SERVERS", "DC_SERVERS", "DNP3_SERVER", "DNP3_CLIENT", "MODBUS_CLIENT",
            "MODBUS_SERVER", "ENIP_CLIENT", "ENIP_SERVER"})
        {
            v.put(server, "$HOME_NET");
        }
        v.put("HTTP_PORTS", "80");
        v.put("SHELLCODE_PORTS", "!80");
        v.put("ORACLE_PORTS", "1521");
        v.put("SSH_PORTS", "22");
        v.put("DNP3_PORTS", "20000");
        v.put("MODBUS_PORTS", "502");
        v.put("FILE_DATA_PORTS", "[$HTTP_PORTS,110,143]");
        v.put("FTP_PORTS", "21");
        v.put("GENEVE_PORTS", "6081");
        v.put("VXLAN_PORTS", "4789");
        v.put("TEREDO_PORTS", "3544");
        return new RuleVariables(v);
    }

    /** @return a copy with {@code name} set to {@code value} (an address or port expression). */
    public RuleVariables with(final String name, final String value)
    {
        final Map<String, String> copy = new HashMap<>(values);
        copy.put(name.startsWith("$") ? name.substring(1) : name, value);
        return new RuleVariables(copy);
    }

    /** @return the value of {@code name} (without the $), or null when undefined. */
    public String get(final String name)
    {
        return values.get(name);
    }
}
