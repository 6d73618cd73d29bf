function __tensor-diff_should_offer_completions_for_flags_or_options -a expected_commands
    set -l non_repeating_flags_or_options $argv[2..]
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __tensor-diff_parse_tokens
    test "$commands" = "$expected_commands"; and return $non_repeating_flags_or_options_absent
end

function __tensor-diff_should_offer_completions_for_positional -a expected_commands positional_index_comparison expected_positional_index
    set -l non_repeating_flags_or_options
    set -l non_repeating_flags_or_options_absent 0
    set -l positional_index 0
    set -l commands
    __tensor-diff_parse_tokens
    test "$commands" = "$expected_commands" -a \( "$positional_index" "$positional_index_comparison" "$expected_positional_index" \)
end

function __tensor-diff_parse_tokens -S
    set -l unparsed_tokens (__tensor-diff_tokens -pc)
    switch $unparsed_tokens[1]
    case 'tensor-diff'
        __tensor-diff_parse_subcommand 2 'atol=' 'rtol=' 'allow-dtype-change' 'filter=' 'exclude=' 'strip-prefix-a=' 'strip-prefix-b=' 'add-prefix-a=' 'add-prefix-b=' 'all' 'threads=' 'json' 'ndjson' 'v/verbose' 'q/quiet' 'h/help'
        switch $unparsed_tokens[1]
        case 'help'
            __tensor-diff_parse_subcommand -r 1 
        end
    end
end

function __tensor-diff_tokens
    if test (string split -m 1 -f 1 -- . "$FISH_VERSION") -gt 3
        commandline --tokens-raw $argv
    else
        commandline -o $argv
    end
end

function __tensor-diff_parse_subcommand -S -a positional_count
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

function __tensor-diff_complete_directories
    set -l token (commandline -t)
    string match -- '*/' $token
    set -l subdirs $token*/
    printf %s\n $subdirs
end

function __tensor-diff_custom_completion
    set -x SAP_SHELL fish
    set -x SAP_SHELL_VERSION $FISH_VERSION
    set -l tokens (__tensor-diff_tokens -p)
    if test -z "$(__tensor-diff_tokens -t)"
        set -l index (count (__tensor-diff_tokens -pc))
        set tokens $tokens[..$index] \'\' $tokens[(math $index + 1)..]
    end
    command $tokens[1] $argv $tokens
end

complete -c 'tensor-diff' -f
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_positional "tensor-diff" -eq 1' -fa '(set -l exts \'safetensors\' \'json\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_positional "tensor-diff" -eq 2' -fa '(set -l exts \'safetensors\' \'json\';for p in (string match -e -- \'*/\' (commandline -t);or printf \n)*.{$exts};printf %s\n $p;end;__fish_complete_directories (commandline -t) \'\')'
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" atol' -l 'atol' -d 'Absolute tolerance for every tensor (default: by dtype).' -rfka ''
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" rtol' -l 'rtol' -d 'Relative tolerance for every tensor (default: by dtype).' -rfka ''
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" allow-dtype-change' -l 'allow-dtype-change' -d 'Do not count a dtype change as a difference when the values agree.'
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" filter' -l 'filter' -d 'Compare only tensors whose name matches this regular expression.' -rfka ''
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" exclude' -l 'exclude' -d 'Skip tensors whose name matches this regular expression.' -rfka ''
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" strip-prefix-a' -l 'strip-prefix-a' -d 'Remove this prefix from A\'s tensor names before matching.' -rfka ''
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" strip-prefix-b' -l 'strip-prefix-b' -d 'Remove this prefix from B\'s tensor names before matching.' -rfka ''
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" add-prefix-a' -l 'add-prefix-a' -d 'Add this prefix to A\'s tensor names before matching.' -rfka ''
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" add-prefix-b' -l 'add-prefix-b' -d 'Add this prefix to B\'s tensor names before matching.' -rfka ''
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" all' -l 'all' -d 'List every tensor in the human output, not only those that are not equal.'
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" threads' -l 'threads' -d 'Threads to compare with (default: the number of CPUs).' -rfka ''
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" json' -l 'json' -d 'Print one JSON document on stdout (it carries schema_version; see the docs).'
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" ndjson' -l 'ndjson' -d 'Print one JSON record per line on stdout, then a summary record.'
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff"' -l 'verbose' -s 'v' -d 'Say more on stderr (repeat for more).'
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" q quiet' -l 'quiet' -s 'q' -d 'Say nothing on stderr but errors.'
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_flags_or_options "tensor-diff" h help' -s 'h' -l 'help' -d 'Show help information.'
complete -c 'tensor-diff' -n '__tensor-diff_should_offer_completions_for_positional "tensor-diff" -eq 3' -fa 'help' -d 'Show subcommand help information.'
