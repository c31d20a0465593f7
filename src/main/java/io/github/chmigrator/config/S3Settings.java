package io.github.chmigrator.config;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * The target (design §7: {@code s3.policy}, {@code S3_POLICY}, {@code --s3-policy}).
 *
 * @param policy the storage policy the tables move to
 */
@ConfigurationProperties("s3")
public record S3Settings(@DefaultValue("s3") String policy) {

}
