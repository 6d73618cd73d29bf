function __safetensors-inspect_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __safetensors-inspect_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __safetensors-inspect_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __safetensors-inspect_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __safetensors-inspect_parse_tokens -S
    set -l unparsed_tokens (__safetensors-inspect_tokens -pc)
    switch $unparsed_tokens[1]
    case 'safetensors-inspect'
        __safetensors-inspect_parse_subcommand -r 1 'filter=' 'sort=' 'metadata' 'stats' 'threads=' 'json' 'ndjson' 'v/verbose' 'q/quiet' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __safetensors-inspect_parse_subcommand -r 1 
        end
    end
end

function __safetensors-inspect_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __safetensors-inspect_parse_subcommand -S -a positional_count
    argparse -s r -- $argv
    set -l option_specs $argv[2..]
    set -l is_repeating_positional $_flag_r
    set -el _flag_r
    set -a commands $unparsed_tokens[1]
    set positional_index 0
    while true
        set -e unparsed_tokens[1]
        argparse -sn "$commands" $option_specs -- $unparsed_tokens 2> /dev/null
        set unparsed_tokens $argv
        set positional_index (math $positional_index + 1)
        for non_repeating_flag_or_option in $non_repeating_flags_or_options
            if set -ql "_flag_$(string replace -a - _ -- $non_repeating_flag_or_option)"
                set non_repeating_flags_or_options_absent 1
                break
            end
        end
        test (count $unparsed_tokens) -eq 0 -o \( -z "$is_repeating_positional" -a "$positional_index" -gt "$positional_count" \) && break
    end
end

function __safetensors-inspect_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __safetensors-inspect_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__safetensors-inspect_tokens -p)
    if test -z "$(__safetensors-inspect_tokens -t)"
        set -l index (count (__safetensors-inspect_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'safetensors-inspect' -f
complete -c 'safetensors-inspect' -n '__safetensors-inspect_should_offer_completions_for_positional "safetensors-inspect" -ge 1' -fa '(set -l exts \'safetensors\' \'json\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'safetensors-inspect' -n '__safetensors-inspect_should_offer_completions_for_flags_or_options "safetensors-inspect" filter' -l 'filter' -d 'List only tensors whose name matches this regular expression.' -rfka ''
complete -c 'safetensors-inspect' -n '__safetensors-inspect_should_offer_completions_for_flags_or_options "safetensors-inspect" sort' -l 'sort' -d 'Order of the tensor list: file (storage order), name (natural order), size (largest first).' -rfka 'file name size'
complete -c 'safetensors-inspect' -n '__safetensors-inspect_should_offer_completions_for_flags_or_options "safetensors-inspect" metadata' -l 'metadata' -d 'Show only the metadata (and the verdict), not the tensors.'
complete -c 'safetensors-inspect' -n '__safetensors-inspect_should_offer_completions_for_flags_or_options "safetensors-inspect" stats' -l 'stats' -d 'Compute per-tensor statistics (reads every value).'
complete -c 'safetensors-inspect' -n '__safetensors-inspect_should_offer_completions_for_flags_or_options "safetensors-inspect" threads' -l 'threads' -d 'Threads for --stats (default: the number of CPUs).' -rfka ''
complete -c 'safetensors-inspect' -n '__safetensors-inspect_should_offer_completions_for_flags_or_options "safetensors-inspect" json' -l 'json' -d 'Print one JSON document on stdout (it carries schema_version; see the docs).'
complete -c 'safetensors-inspect' -n '__safetensors-inspect_should_offer_completions_for_flags_or_options "safetensors-inspect" ndjson' -l 'ndjson' -d 'Print one JSON record per line on stdout, then a summary record.'
complete -c 'safetensors-inspect' -n '__safetensors-inspect_should_offer_completions_for_flags_or_options "safetensors-inspect"' -l 'verbose' -s 'v' -d 'Say more on stderr (repeat for more).'
complete -c 'safetensors-inspect' -n '__safetensors-inspect_should_offer_completions_for_flags_or_options "safetensors-inspect" q quiet' -l 'quiet' -s 'q' -d 'Say nothing on stderr but errors.'
complete -c 'safetensors-inspect' -n '__safetensors-inspect_should_offer_completions_for_flags_or_options "safetensors-inspect" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'safetensors-inspect' -n '__safetensors-inspect_should_offer_completions_for_positional "safetensors-inspect" -eq 2' -fa 'help' -d 'Show subcommand help information.'
